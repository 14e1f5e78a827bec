//! `hld estimate --explain --flow NAME`: the worked arithmetic of one flow.
