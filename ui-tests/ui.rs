//! Every compile error the macros promise has a case in `fail/` with its expected `.stderr`;
//! near misses that must keep compiling are in `pass/`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("fail/*.rs");
}
