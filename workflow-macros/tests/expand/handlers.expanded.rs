use std::collections::BTreeMap;
use workflow_runtime::prelude::*;
#[derive(Default)]
pub struct Order {
    approved: Option<bool>,
    lines: BTreeMap<String, u32>,
}
impl Order {
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        ctx.wait_condition(|s| s.approved.is_some()).await?;
        Ok(ctx.state(|s| s.approved == Some(true)))
    }
    fn __signal_approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }
    async fn __signal_cancel(
        ctx: WorkflowContext<Self>,
        reason: String,
    ) -> WorkflowResult<()> {
        ctx.state_mut(|s| s.approved = Some(false));
        let _ = reason;
        Ok(())
    }
    fn __query_lines(&self) -> Vec<String> {
        #[allow(unused_imports)]
        use ::workflow_runtime::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _,
            FixedHasherKind as _, FloatSum as _, HashArgument as _, HiddenReturn as _,
            RandomOrder as _, SharedBehindDeref as _, SharedGlobal as _,
            VisibleReturn as _,
        };
        ::workflow_runtime::__private::OrderProbe(
                ::workflow_runtime::__private::HasherProbe(&(self.lines)).hasher_kind(),
                ::core::option::Option::Some(self.lines.keys()),
            )
            .order_checked()
            .cloned()
            .collect()
    }
    fn __query_checked_at(&self, ctx: &HandlerContext) -> std::time::SystemTime {
        ctx.now()
    }
    fn __update_add_line(&mut self, item: String, units: u32) -> WorkflowResult<u32> {
        #[allow(unused_imports)]
        use ::workflow_runtime::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _,
            FixedHasherKind as _, FloatSum as _, HashArgument as _, HiddenReturn as _,
            RandomOrder as _, SharedBehindDeref as _, SharedGlobal as _,
            VisibleReturn as _,
        };
        *self.lines.entry(item).or_default() += units;
        Ok(
            ::workflow_runtime::__private::SumProbe(
                    ::core::option::Option::Some(self.lines.values()),
                )
                .sum_checked()
                .sum(),
        )
    }
    fn check_line(
        &self,
        ctx: &HandlerContext,
        _item: &String,
        units: &u32,
    ) -> WorkflowResult<()> {
        let _ = ctx.info();
        if *units == 0 {
            return Err(WorkflowError::application("Empty", "no units"));
        }
        Ok(())
    }
}
const _: fn() = || {
    ::workflow_runtime::__private::assert_payload_type::<bool>();
    ::workflow_runtime::__private::assert_payload_type::<bool>();
    ::workflow_runtime::__private::assert_payload_type::<String>();
    ::workflow_runtime::__private::assert_payload_type::<Vec<String>>();
    ::workflow_runtime::__private::assert_payload_type::<std::time::SystemTime>();
    ::workflow_runtime::__private::assert_payload_type::<String>();
    ::workflow_runtime::__private::assert_payload_type::<u32>();
    ::workflow_runtime::__private::assert_payload_type::<u32>();
};
#[automatically_derived]
impl ::workflow_runtime::__private::WorkflowDefinition for Order {
    const NAME: &'static str = "Orders";
    type Input = ();
    type Output = bool;
    fn initial_state(input: &Self::Input) -> Self {
        let _ = input;
        <Order as ::core::default::Default>::default()
    }
    fn encode_input(
        input: &Self::Input,
    ) -> ::workflow_runtime::__private::Result<
        ::workflow_runtime::__private::Vec<::workflow_runtime::__private::Payload>,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::Result::Ok(
            ::workflow_runtime::__private::Vec::new(),
        )
    }
    fn decode_input(
        payloads: &[::workflow_runtime::__private::Payload],
    ) -> ::workflow_runtime::__private::Result<
        Self::Input,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::check_arg_count(
            payloads,
            0usize,
            "workflow `Orders`",
        )
    }
    fn execute(
        ctx: ::workflow_runtime::__private::WorkflowContext<Self>,
        input: Self::Input,
    ) -> ::workflow_runtime::__private::LocalBoxFuture<
        'static,
        ::workflow_runtime::__private::WorkflowResult<Self::Output>,
    > {
        ::workflow_runtime::__private::Box::pin(Self::run(ctx))
    }
    fn handlers() -> &'static ::workflow_runtime::__private::Handlers<Self> {
        static HANDLERS: ::workflow_runtime::__private::OnceLock<
            ::workflow_runtime::__private::Handlers<Order>,
        > = ::workflow_runtime::__private::OnceLock::new();
        HANDLERS
            .get_or_init(|| {
                ::workflow_runtime::__private::Handlers::default()
                    .signal(
                        ::workflow_runtime::__private::Option::Some("approve"),
                        ::workflow_runtime::__private::SignalHandler::Sync(|
                            state: &mut Order,
                            handler_ctx: &::workflow_runtime::__private::HandlerContext,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            (),
                            ::workflow_runtime::__private::PayloadError,
                        > {
                            let _ = (handler_name, handler_ctx);
                            let input: bool = {
                                ::workflow_runtime::__private::check_arg_count(
                                        payloads,
                                        1usize,
                                        "signal `approve` of workflow `Orders`",
                                    )
                                    .and_then(|()| ::workflow_runtime::__private::decode_arg::<
                                        bool,
                                    >(payloads, 0, "signal `approve` of workflow `Orders`"))
                            }?;
                            <Order>::__signal_approve(state, input);
                            ::workflow_runtime::__private::Result::Ok(())
                        }),
                    )
                    .signal(
                        ::workflow_runtime::__private::Option::Some("cancel"),
                        ::workflow_runtime::__private::SignalHandler::Async(|
                            ctx: ::workflow_runtime::__private::WorkflowContext<Order>,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            ::workflow_runtime::__private::LocalBoxFuture<
                                'static,
                                ::workflow_runtime::__private::WorkflowResult<()>,
                            >,
                            ::workflow_runtime::__private::PayloadError,
                        > {
                            let _ = handler_name;
                            let input: String = {
                                ::workflow_runtime::__private::check_arg_count(
                                        payloads,
                                        1usize,
                                        "signal `cancel` of workflow `Orders`",
                                    )
                                    .and_then(|()| ::workflow_runtime::__private::decode_arg::<
                                        String,
                                    >(payloads, 0, "signal `cancel` of workflow `Orders`"))
                            }?;
                            ::workflow_runtime::__private::Result::Ok(
                                ::workflow_runtime::__private::signal_future(
                                    <Order>::__signal_cancel(ctx, input),
                                ),
                            )
                        }),
                    )
                    .query(
                        ::workflow_runtime::__private::Option::Some("lines"),
                        |
                            state: &Order,
                            handler_ctx: &::workflow_runtime::__private::HandlerContext,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            ::workflow_runtime::__private::Payload,
                            ::workflow_runtime::__private::PayloadError,
                        > {
                            let _ = (handler_name, handler_ctx);
                            let input: () = {
                                ::workflow_runtime::__private::check_arg_count(
                                    payloads,
                                    0usize,
                                    "query `lines` of workflow `Orders`",
                                )
                            }?;
                            ::workflow_runtime::__private::encode(
                                &<Order>::__query_lines(state),
                            )
                        },
                    )
                    .query(
                        ::workflow_runtime::__private::Option::Some("checked_at"),
                        |
                            state: &Order,
                            handler_ctx: &::workflow_runtime::__private::HandlerContext,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            ::workflow_runtime::__private::Payload,
                            ::workflow_runtime::__private::PayloadError,
                        > {
                            let _ = (handler_name, handler_ctx);
                            let input: () = {
                                ::workflow_runtime::__private::check_arg_count(
                                    payloads,
                                    0usize,
                                    "query `checked_at` of workflow `Orders`",
                                )
                            }?;
                            ::workflow_runtime::__private::encode(
                                &<Order>::__query_checked_at(state, handler_ctx),
                            )
                        },
                    )
                    .update(
                        ::workflow_runtime::__private::Option::Some("add_line"),
                        ::workflow_runtime::__private::UpdateHandler::Sync(|
                            state: &mut Order,
                            handler_ctx: &::workflow_runtime::__private::HandlerContext,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            ::workflow_runtime::__private::Result<
                                ::workflow_runtime::__private::Payload,
                                ::workflow_runtime::__private::WorkflowError,
                            >,
                            ::workflow_runtime::__private::PayloadError,
                        > {
                            let _ = (handler_name, handler_ctx);
                            let input: (String, u32) = {
                                ::workflow_runtime::__private::check_arg_count(
                                        payloads,
                                        2usize,
                                        "update `add_line` of workflow `Orders`",
                                    )
                                    .and_then(|()| ::workflow_runtime::__private::Result::<
                                        _,
                                        ::workflow_runtime::__private::PayloadError,
                                    >::Ok((
                                        ::workflow_runtime::__private::decode_arg::<
                                            String,
                                        >(
                                            payloads,
                                            0usize,
                                            "update `add_line` of workflow `Orders`",
                                        )?,
                                        ::workflow_runtime::__private::decode_arg::<
                                            u32,
                                        >(
                                            payloads,
                                            1usize,
                                            "update `add_line` of workflow `Orders`",
                                        )?,
                                    )))
                            }?;
                            ::workflow_runtime::__private::Result::Ok(
                                <WorkflowResult<
                                    u32,
                                > as ::workflow_runtime::__private::UpdateResult>::into_outcome(
                                    <Order>::__update_add_line(state, input.0, input.1),
                                ),
                            )
                        }),
                        ::workflow_runtime::__private::Option::Some(|
                            state: &Order,
                            handler_ctx: &::workflow_runtime::__private::HandlerContext,
                            handler_name: &str,
                            payloads: &[::workflow_runtime::__private::Payload],
                        | -> ::workflow_runtime::__private::Result<
                            (),
                            ::workflow_runtime::__private::WorkflowError,
                        > {
                            let _ = (handler_name, handler_ctx);
                            let input: (String, u32) = {
                                ::workflow_runtime::__private::check_arg_count(
                                        payloads,
                                        2usize,
                                        "update `add_line` of workflow `Orders`",
                                    )
                                    .and_then(|()| ::workflow_runtime::__private::Result::<
                                        _,
                                        ::workflow_runtime::__private::PayloadError,
                                    >::Ok((
                                        ::workflow_runtime::__private::decode_arg::<
                                            String,
                                        >(
                                            payloads,
                                            0usize,
                                            "update `add_line` of workflow `Orders`",
                                        )?,
                                        ::workflow_runtime::__private::decode_arg::<
                                            u32,
                                        >(
                                            payloads,
                                            1usize,
                                            "update `add_line` of workflow `Orders`",
                                        )?,
                                    )))
                            }?;
                            let _ = &input;
                            ::workflow_runtime::__private::validator_outcome(
                                <Order>::check_line(state, handler_ctx, &input.0, &input.1),
                            )
                        }),
                    )
            })
    }
}
impl Order {
    #[allow(non_upper_case_globals, dead_code)]
    const approve: ::workflow_runtime::__private::SignalMethod<fn(&mut Order, bool)> = ::workflow_runtime::__private::SignalMethod::new(
        "approve",
        <Order>::__signal_approve,
    );
    #[allow(non_upper_case_globals, dead_code)]
    const cancel: ::workflow_runtime::__private::SignalMethod<
        fn(
            ::workflow_runtime::__private::WorkflowContext<Order>,
            String,
        ) -> ::workflow_runtime::__private::LocalBoxFuture<'static, WorkflowResult<()>>,
    > = ::workflow_runtime::__private::SignalMethod::new(
        "cancel",
        |ctx, arg0| ::workflow_runtime::__private::Box::pin(
            <Order>::__signal_cancel(ctx, arg0),
        ),
    );
    #[allow(non_upper_case_globals, dead_code)]
    const lines: ::workflow_runtime::__private::QueryMethod<fn(&Order) -> Vec<String>> = ::workflow_runtime::__private::QueryMethod::new(
        "lines",
        <Order>::__query_lines,
    );
    #[allow(non_upper_case_globals, dead_code)]
    const checked_at: ::workflow_runtime::__private::QueryMethod<
        ::workflow_runtime::__private::WithContext<
            fn(
                &Order,
                &::workflow_runtime::__private::HandlerContext,
            ) -> std::time::SystemTime,
        >,
    > = ::workflow_runtime::__private::QueryMethod::new(
        "checked_at",
        ::workflow_runtime::__private::WithContext::new(<Order>::__query_checked_at),
    );
    #[allow(non_upper_case_globals, dead_code)]
    const add_line: ::workflow_runtime::__private::UpdateMethod<
        fn(&mut Order, String, u32) -> WorkflowResult<u32>,
    > = ::workflow_runtime::__private::UpdateMethod::new(
        "add_line",
        <Order>::__update_add_line,
    );
}
const _: ::workflow_runtime::__private::Version<0, 1> = ::workflow_runtime::__private::VERSION;
