//! `hld check --baseline FILE`: reads a previous `hld check --format json`
//! output (bounded by `--max-size`, a regular file or a pipe) into a
//! [`Baseline`]. A baseline that cannot be read is a wrong input: one line
//! on standard error, exit 2.

use std::path::Path;

use super::Exit;
use crate::analysis::baseline::Baseline;

pub fn load(path: &Path, max_size: u64) -> Result<Baseline, Exit> {
    let shown = path.display();
    let fail = |why: String| {
        super::print_error(&format!("cannot use the baseline {shown}: {why}"));
        super::stdio::err("help: pass the output of an earlier `hld check --format json` run\n");
        Exit::InputError
    };
    let bytes = super::fs::read_bounded(path, max_size).map_err(|error| fail(error.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".to_string()))?;
    Baseline::parse(&text).map_err(fail)
}
