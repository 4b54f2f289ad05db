use workflow_runtime::{
    payload::{decode, Payload},
    prelude::*,
};
#[derive(Default)]
pub struct AnyWorkflow;
impl AnyWorkflow {
    pub async fn run(
        ctx: WorkflowContext<Self>,
        args: Vec<Payload>,
    ) -> WorkflowResult<String> {
        let first: String = decode(&args[0])?;
        Ok(format!("{} {first}", ctx.info().workflow_type))
    }
}
const _: fn() = || {
    ::workflow_runtime::__private::assert_payload_type::<String>();
};
#[automatically_derived]
impl ::workflow_runtime::__private::WorkflowDefinition for AnyWorkflow {
    const NAME: &'static str = "AnyWorkflow";
    const DYNAMIC: bool = true;
    type Input = ::workflow_runtime::__private::Vec<
        ::workflow_runtime::__private::Payload,
    >;
    type Output = String;
    fn initial_state(input: &Self::Input) -> Self {
        let _ = input;
        <AnyWorkflow as ::core::default::Default>::default()
    }
    fn encode_input(
        input: &Self::Input,
    ) -> ::workflow_runtime::__private::Result<
        ::workflow_runtime::__private::Vec<::workflow_runtime::__private::Payload>,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::Result::Ok(::std::clone::Clone::clone(input))
    }
    fn decode_input(
        payloads: &[::workflow_runtime::__private::Payload],
    ) -> ::workflow_runtime::__private::Result<
        Self::Input,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::Result::Ok(payloads.to_vec())
    }
    fn execute(
        ctx: ::workflow_runtime::__private::WorkflowContext<Self>,
        input: Self::Input,
    ) -> ::workflow_runtime::__private::LocalBoxFuture<
        'static,
        ::workflow_runtime::__private::WorkflowResult<Self::Output>,
    > {
        ::workflow_runtime::__private::Box::pin(Self::run(ctx, input))
    }
    fn handlers() -> &'static ::workflow_runtime::__private::Handlers<Self> {
        static HANDLERS: ::workflow_runtime::__private::OnceLock<
            ::workflow_runtime::__private::Handlers<AnyWorkflow>,
        > = ::workflow_runtime::__private::OnceLock::new();
        HANDLERS.get_or_init(|| ::workflow_runtime::__private::Handlers::default())
    }
}
const _: ::workflow_runtime::__private::Version<0, 1> = ::workflow_runtime::__private::VERSION;
