//! What the macros know about the user's items, independent of how it was parsed or how code
//! is generated. Borrows from the syn tree so later passes can point at the user's tokens.

/// A `#[workflow]` impl block.
pub(crate) struct Workflow<'a> {
    pub(crate) self_ty: &'a syn::Type,
    pub(crate) wire_name: String,
    pub(crate) krate: syn::Path,
    pub(crate) run: Option<RunMethod<'a>>,
}

/// The `#[run]` method.
pub(crate) struct RunMethod<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) inputs: Vec<&'a syn::Type>,
    pub(crate) output: &'a syn::Type,
}

/// An `#[activity]` function or method.
pub(crate) struct Activity<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) wire_name: String,
    pub(crate) krate: syn::Path,
    /// The struct for method activities.
    pub(crate) receiver: Option<&'a syn::Type>,
    pub(crate) inputs: Vec<&'a syn::Type>,
    pub(crate) output: &'a syn::Type,
}
