//! The page-token loop behind every list call (workflows, schedules): one stream of items,
//! fetched page by page as it is polled.

use futures::{StreamExt, TryStreamExt, stream::BoxStream};

use crate::client::error::ClientError;

/// The items of a paged list call as one stream. `fetch` gets the page token (empty for the
/// first page) and returns the page's items and the next token, empty after the last page.
pub(super) fn paged<'a, T, F, Fut>(mut fetch: F) -> BoxStream<'a, Result<T, ClientError>>
where
    T: Send + 'a,
    F: FnMut(Vec<u8>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, Vec<u8>), ClientError>> + Send + 'a,
{
    // `None` once the last page was read.
    futures::stream::try_unfold(Some(Vec::new()), move |token| {
        let page = token.map(&mut fetch);
        async move {
            let Some(page) = page else {
                return Ok::<_, ClientError>(None);
            };
            let (items, next) = page.await?;
            let items = futures::stream::iter(items.into_iter().map(Ok));
            Ok(Some((items, (!next.is_empty()).then_some(next))))
        }
    })
    .try_flatten()
    .boxed()
}
