//! The public sources behind the knowledge base (`sources.yaml` beside this
//! file): every source key that `technologies.yaml`, `tradeoffs.yaml` and the
//! rule docs cite, with a title and an address a user can follow.
//!
//! The knowledge base keeps the keys beside its figures (they are data);
//! everything a user reads renders a key as its title and address through
//! [`Sources::cite`] or [`Sources::render`], never as the bare key. `guide`
//! (general system-design practice) has no public address: it renders as
//! nothing, and a list with no other source as "well-known engineering
//! practice". Embedded and parsed once; the tests check that every key cited
//! anywhere has an entry.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SOURCES_YAML: &str = include_str!("sources.yaml");

/// The key of general system-design practice (no public address).
pub const PRACTICE: &str = "guide";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    pub sources: Vec<Source>,
    #[serde(skip)]
    by_key: HashMap<String, usize>,
}

/// One public source.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub key: String,
    pub title: String,
    pub url: String,
}

impl Sources {
    /// The embedded table. A broken YAML is a build defect the tests catch;
    /// at run time it degrades to no entries (keys then render as nothing)
    /// rather than a panic.
    pub fn get() -> &'static Sources {
        static TABLE: OnceLock<Sources> = OnceLock::new();
        TABLE.get_or_init(|| {
            Sources::parse(SOURCES_YAML).unwrap_or_else(|_| Sources {
                sources: Vec::new(),
                by_key: HashMap::new(),
            })
        })
    }

    pub fn parse(yaml: &str) -> Result<Sources, String> {
        let mut table: Sources = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        for (idx, source) in table.sources.iter().enumerate() {
            if table.by_key.insert(source.key.clone(), idx).is_some() {
                return Err(format!("source key `{}` is listed twice", source.key));
            }
        }
        Ok(table)
    }

    /// The public source of a key; `None` for `guide` and unknown keys.
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.by_key.get(key).and_then(|idx| self.sources.get(*idx))
    }

    /// The public sources of a list of keys, in order, each once (`guide`
    /// and unknown keys left out).
    pub fn cite<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Vec<&'a Source> {
        let mut out: Vec<&Source> = Vec::new();
        for key in keys {
            if let Some(source) = self.source(key)
                && !out.iter().any(|seen| seen.key == source.key)
            {
                out.push(source);
            }
        }
        out
    }

    /// Knowledge-base text for a user: every `[KEY]` cited inline becomes
    /// its title and address, e.g. "lost writes [JEP-REDIS13]" →
    /// "lost writes (Jepsen: Redis (2013), https://aphyr.com/...)"; a run of
    /// keys ("[A], [B]") becomes one parenthesis. Unknown keys are dropped.
    pub fn render(&self, text: &str) -> String {
        let (plain, keys) = split_keys(text);
        if keys.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 64);
        for piece in plain {
            match piece {
                Piece::Text(words) => out.push_str(words),
                Piece::Keys(keys) => {
                    let cited = self.cite(keys.iter().copied());
                    if cited.is_empty() {
                        continue;
                    }
                    let list: Vec<String> = cited
                        .iter()
                        .map(|source| format!("{}, {}", source.title, source.url))
                        .collect();
                    if !out.ends_with(' ') && !out.is_empty() {
                        out.push(' ');
                    }
                    out.push('(');
                    out.push_str(&list.join("; "));
                    out.push(')');
                }
            }
        }
        out
    }

    /// The text with every inline `[KEY]` taken out, and the keys it cited
    /// (in order): for a renderer that lists the sources after the text.
    pub fn strip<'t>(&self, text: &'t str) -> (String, Vec<&'t str>) {
        let (pieces, keys) = split_keys(text);
        let mut out = String::with_capacity(text.len());
        for piece in pieces {
            if let Piece::Text(words) = piece {
                // "lost [A], [B]." → "lost." (no space before the stop).
                if words.starts_with(['.', ',', ';', ')', ':']) {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                }
                out.push_str(words);
            }
        }
        (out.trim().to_string(), keys)
    }
}

enum Piece<'t> {
    Text(&'t str),
    Keys(Vec<&'t str>),
}

/// Whether `word` reads as a source key: upper-case letters and digits,
/// words joined by `-`, starting with a letter (`JEP-REDIS13`, `SDP`).
fn is_key(word: &str) -> bool {
    word.len() >= 2
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !word.ends_with('-')
}

/// Cuts `text` into plain runs and runs of `[KEY]` citations ("[A], [B]"
/// is one run); returns the pieces and every key in order.
fn split_keys(text: &str) -> (Vec<Piece<'_>>, Vec<&str>) {
    let mut pieces = Vec::new();
    let mut keys_all = Vec::new();
    let mut rest = text;
    let mut run: Vec<&str> = Vec::new();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|idx| open + idx) else {
            break;
        };
        let word = &rest[open + 1..close];
        if !is_key(word) {
            // Not a citation: keep it, up to and including the bracket.
            if !run.is_empty() {
                pieces.push(Piece::Keys(std::mem::take(&mut run)));
            }
            pieces.push(Piece::Text(&rest[..=open]));
            rest = &rest[open + 1..];
            continue;
        }
        let before = &rest[..open];
        // ", " between two keys of one run.
        let joins_run = !run.is_empty() && matches!(before.trim(), "," | "" | ";");
        if !joins_run {
            if !run.is_empty() {
                pieces.push(Piece::Keys(std::mem::take(&mut run)));
            }
            // The space before a citation goes with it.
            pieces.push(Piece::Text(before.trim_end_matches(' ')));
        }
        run.push(word);
        keys_all.push(word);
        rest = &rest[close + 1..];
    }
    if !run.is_empty() {
        pieces.push(Piece::Keys(run));
    }
    pieces.push(Piece::Text(rest));
    (pieces, keys_all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;
    use crate::knowledge::tradeoffs::TradeOffs;

    #[test]
    fn sources_parse_with_a_title_and_an_address_each() {
        let table = Sources::parse(SOURCES_YAML).unwrap();
        assert!(table.sources.len() > 100);
        for source in &table.sources {
            assert!(is_key(&source.key), "{}", source.key);
            assert!(!source.title.trim().is_empty(), "{}", source.key);
            assert!(source.url.starts_with("http"), "{}: {}", source.key, source.url);
            assert!(!source.title.contains('['), "{}", source.key);
        }
    }

    /// Every key the knowledge base cites (lists and inline) resolves.
    #[test]
    fn every_cited_key_has_a_public_source() {
        let table = Sources::get();
        let base = KnowledgeBase::get();
        let mut cited: Vec<String> = Vec::new();
        for technology in &base.technologies {
            cited.extend(technology.sources.iter().cloned());
            if let Some(compose) = &technology.compose {
                cited.extend(compose.source.iter().cloned());
            }
            for text in [
                &technology.notes,
                &technology.latency.source,
                &technology.availability.source,
            ] {
                cited.extend(split_keys(text).1.into_iter().map(str::to_string));
            }
        }
        for choice in &TradeOffs::get().choices {
            cited.extend(choice.sources.iter().cloned());
        }
        if let Some(stub) = &base.stub {
            cited.extend(stub.source.iter().cloned());
        }
        for kind in &base.kinds {
            cited.extend(split_keys(&kind.source).1.into_iter().map(str::to_string));
        }
        for rule in crate::analysis::rules::RULES {
            cited.extend(split_keys(rule.docs).1.into_iter().map(str::to_string));
        }
        for key in cited {
            assert!(
                key == PRACTICE || table.source(&key).is_some(),
                "source key `{key}` has no entry in sources.yaml"
            );
        }
    }

    #[test]
    fn inline_keys_render_as_titles_and_addresses() {
        let table = Sources::get();
        let text = "Sentinel lost writes [JEP-REDIS13], [REDIS-CSPEC]; WAIT does not help [REDIS-WAIT].";
        let rendered = table.render(text);
        assert!(!rendered.contains("[JEP"), "{rendered}");
        assert!(
            rendered.starts_with("Sentinel lost writes (Jepsen: Redis (2013), https://aphyr.com/posts/283-jepsen-redis; Redis Cluster specification, https://redis.io/topics/cluster-spec/); WAIT"),
            "{rendered}"
        );
        assert_eq!(table.render("a [not a key] and [x]"), "a [not a key] and [x]");
        let (stripped, keys) = table.strip(text);
        assert_eq!(stripped, "Sentinel lost writes; WAIT does not help.");
        assert_eq!(keys, ["JEP-REDIS13", "REDIS-CSPEC", "REDIS-WAIT"]);
        assert!(table.cite(["guide", "SDP", "SDP"]).len() == 1);
    }
}
