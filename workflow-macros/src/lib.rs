use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn workflow(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute]
pub fn run(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute]
pub fn activity(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute]
pub fn activities(_a: TokenStream, i: TokenStream) -> TokenStream { i }
