//! `hld lsp`: the language server on standard input and output
//! (`crate::lsp`). Exit code 0 after the client's `shutdown` and `exit`, 1
//! when it exits (or closes the stream) without `shutdown`, as the protocol
//! says, 2 when the stream breaks the protocol.

use super::{Exit, stdio};

#[derive(clap::Args)]
pub struct LspArgs {
    /// Accepted for editors that pass it; standard input and output are the only transport
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &LspArgs) -> Exit {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::serve(&connection);
    // The writer thread ends once every sender is gone.
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(true), Ok(())) => Exit::Ok,
        (Ok(false), Ok(())) => Exit::Findings,
        (Err(error), _) => {
            stdio::err(&format!("hld lsp: {error}\n"));
            Exit::InputError
        }
        (_, Err(error)) => {
            stdio::err(&format!("hld lsp: {error}\n"));
            Exit::InputError
        }
    }
}
