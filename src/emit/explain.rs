//! `hld explain` output: the [`Walkthrough`] as Markdown (with the Mermaid
//! flowchart in a code block) or as one self-contained HTML page
//! (templates/explain.html: inline CSS, the diagram as inline SVG drawn by
//! `emit::svg`, no JavaScript, nothing fetched, a print stylesheet).
//! Renders only: every sentence and figure is already in the walkthrough.

use askama::Template;

use super::RenderError;
use super::diagram::Highlights;
use super::{mermaid, svg};
use crate::explain::{Block, Inline, Section, Table, Text, TradeOff, Walkthrough};
use crate::model::Design;

/// A link's address in a Markdown destination: spaces and parentheses
/// percent-encoded, so the link never ends early.
fn md_url(url: &str) -> String {
    url.replace(' ', "%20").replace('(', "%28").replace(')', "%29")
}

// ----------------------------------------------------------------------
// Markdown

/// Escapes text for Markdown: what CommonMark would read as markup.
/// `<` (HTML, autolinks) and `&` (entity references: `&amp;` would print
/// `&`) everywhere; `>` (a block quote) and `#` (a heading) where they could
/// start a line: at the start of the text (a piece of a paragraph may start
/// its block), not inside, where `a -> b` stays readable.
///
/// Hidden characters (controls, bidi overrides) are first made visible
/// (`emit::escape`: `\x1b` prints as written); line breaks become spaces.
pub(crate) fn md_escape(text: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = super::escape::visible(text).chars().collect();
    let mut at_start = true;
    for (idx, c) in chars.iter().enumerate() {
        let starts = at_start;
        at_start &= c.is_whitespace();
        match c {
            '\\' | '`' | '*' | '[' | '<' | '&' => {
                out.push('\\');
                out.push(*c);
            }
            '>' | '#' if starts => {
                out.push('\\');
                out.push(*c);
            }
            '|' if in_table => out.push_str("\\|"),
            // `_` only emphasises at a word boundary.
            '_' => {
                let before = idx.checked_sub(1).and_then(|i| chars.get(i));
                let after = chars.get(idx + 1);
                let inside = before.is_some_and(|b| b.is_alphanumeric()) && after.is_some_and(|a| a.is_alphanumeric());
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(*c),
        }
    }
    out
}

fn md_code(text: &str, in_table: bool) -> String {
    let text = super::escape::visible(text);
    let text = if in_table {
        text.replace('|', "\\|")
    } else {
        text.into_owned()
    };
    let text = text.replace(['\n', '\r'], " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn md_text(text: &Text) -> String {
    text.0
        .iter()
        .map(|inline| match inline {
            Inline::Plain(text) => md_escape(text, false),
            Inline::Code(text) => md_code(text, false),
            Inline::Strong(text) => {
                // `**x: **` does not close in CommonMark: keep the space out.
                let space = if text.ends_with(' ') { " " } else { "" };
                format!("**{}**{space}", md_escape(text.trim_end(), false))
            }
            Inline::Link(citation) => format!("[{}]({})", md_escape(&citation.title, false), md_url(&citation.url)),
        })
        .collect()
}

fn md_table(table: &Table, out: &mut String) {
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|cell| md_escape(cell, true)).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    out.push_str(&row(&table.header));
    let separators: Vec<&str> = (0..table.header.len())
        .map(|col| {
            if table.numeric.get(col).copied().unwrap_or(false) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    out.push_str(&format!("| {} |\n", separators.join(" | ")));
    for cells in &table.rows {
        out.push_str(&row(cells));
    }
    out.push('\n');
}

fn md_trade_off(trade_off: &TradeOff, out: &mut String) {
    let head = format!(
        "**Trade-off: {}** ({}) — {}",
        md_escape(&trade_off.name, false),
        md_code(&trade_off.key, false),
        md_text(&trade_off.context)
    );
    if trade_off.repeated {
        out.push_str(&format!("{head}: as above.\n\n"));
        return;
    }
    out.push_str(&format!("{head}.\n\n{}\n\n", md_escape(&trade_off.summary, false)));
    for pro in &trade_off.pros {
        out.push_str(&format!("- Pro: {}\n", md_escape(pro, false)));
    }
    for con in &trade_off.cons {
        out.push_str(&format!("- Con: {}\n", md_escape(con, false)));
    }
    out.push_str(&format!(
        "\nWhen to choose it: {} ({})\n\n",
        md_escape(&trade_off.when, false),
        md_text(&trade_off.sources_text())
    ));
}

fn md_section(
    number: usize,
    section: &Section,
    design: &Design,
    highlights: &Highlights,
    out: &mut String,
) -> Result<(), RenderError> {
    out.push_str(&format!(
        "<a id=\"{}\"></a>\n\n## {number}. {}\n\n",
        section.kind.anchor(),
        section.kind.title()
    ));
    for block in &section.blocks {
        match block {
            Block::Heading { text, anchor } => {
                out.push_str(&format!(
                    "<a id=\"{anchor}\"></a>\n\n### {}\n\n",
                    md_escape(text, false)
                ));
            }
            Block::Paragraph(text) => out.push_str(&format!("{}\n\n", md_text(text))),
            Block::Bullets(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", md_text(item)));
                }
                out.push('\n');
            }
            Block::Table(table) => md_table(table, out),
            Block::TradeOff(trade_off) => md_trade_off(trade_off, out),
            Block::Diagram => {
                out.push_str("```mermaid\n");
                out.push_str(&mermaid::flowchart(design, highlights)?);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n\n");
            }
        }
    }
    Ok(())
}

/// Blocks of a walkthrough as Markdown, without headings' anchors or
/// diagrams: a component's card in the language server's hover.
pub fn markdown_blocks(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading { text, .. } => out.push_str(&format!("### {}\n\n", md_escape(text, false))),
            Block::Paragraph(text) => out.push_str(&format!("{}\n\n", md_text(text))),
            Block::Bullets(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", md_text(item)));
                }
                out.push('\n');
            }
            Block::Table(table) => md_table(table, &mut out),
            Block::TradeOff(trade_off) => md_trade_off(trade_off, &mut out),
            Block::Diagram => {}
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// The walkthrough as Markdown (GitHub renders the Mermaid block).
pub fn markdown(walkthrough: &Walkthrough, design: &Design, highlights: &Highlights) -> Result<String, RenderError> {
    let mut out = String::from("<!-- generated by hld -->\n");
    out.push_str(&format!(
        "# {}: the design, walked through\n\n",
        md_escape(&walkthrough.title, false)
    ));
    out.push_str(&format!("{}\n\n", md_text(&walkthrough.intro)));
    for (idx, section) in walkthrough.sections.iter().enumerate() {
        out.push_str(&format!(
            "{}. [{}](#{})\n",
            idx + 1,
            section.kind.title(),
            section.kind.anchor()
        ));
    }
    out.push('\n');
    for (idx, section) in walkthrough.sections.iter().enumerate() {
        md_section(idx + 1, section, design, highlights, &mut out)?;
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

// ----------------------------------------------------------------------
// HTML

/// The escaper of `templates/explain.html` (askama.toml): askama's HTML
/// escaping, after hidden characters (controls, bidi overrides) are made
/// visible (`emit::escape`).
#[derive(Clone, Copy, Debug, Default)]
pub struct HtmlEscaper;

impl askama::filters::Escaper for HtmlEscaper {
    fn write_escaped_str<W: std::fmt::Write>(&self, dest: W, string: &str) -> std::fmt::Result {
        askama::filters::Html.write_escaped_str(dest, &super::escape::visible(string))
    }
}

#[derive(Template)]
#[template(path = "explain.html")]
struct Page<'a> {
    walkthrough: &'a Walkthrough,
    /// Our own SVG, every text in it escaped (emit::svg).
    svg: Option<String>,
    svg_error: Option<String>,
    style: &'static str,
}

impl Page<'_> {
    fn is_numeric(&self, table: &Table, column: &usize) -> bool {
        table.numeric.get(*column).copied().unwrap_or(false)
    }
}

/// The walkthrough as one HTML page that opens from disk with no network.
pub fn html(walkthrough: &Walkthrough, design: &Design, highlights: &Highlights) -> Result<String, RenderError> {
    let (svg, svg_error) = match svg::element(design, highlights) {
        Ok(svg) => (Some(svg), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let page = Page {
        walkthrough,
        svg,
        svg_error,
        style: STYLE,
    };
    let mut text = super::rendered("explain.html", page.render())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2330; background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p { margin: 0 0 16px; color: #4a5263; }
nav ol { columns: 2; margin: 0 0 24px; padding-left: 20px; }
nav a { color: #2456a4; text-decoration: none; }
h2 { margin: 40px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #d8dde6; font-size: 22px; }
h3 { margin: 28px 0 8px; font-size: 17px; color: #22304a; }
p { margin: 8px 0; }
ul { margin: 6px 0 12px; padding-left: 22px; }
li { margin: 3px 0; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f5; border-radius: 3px; padding: 1px 4px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 13.5px; width: 100%; }
th, td { border: 1px solid #d8dde6; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.diagram { margin: 12px 0 20px; padding: 8px; border: 1px solid #d8dde6; border-radius: 6px; background: #fff; }
figure.diagram svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figure.diagram figcaption { color: #4a5263; font-size: 13px; margin-top: 6px; }
.tradeoff { margin: 12px 0 16px; padding: 10px 14px; border-left: 4px solid #7a8fb8; background: #f7f9fc; border-radius: 0 6px 6px 0; }
.tradeoff .head { margin-top: 0; }
.tradeoff .proscons { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 24px; }
.tradeoff .proscons ul { margin: 4px 0; }
.tradeoff .pros li::marker { content: "+ "; color: #2e7d32; font-weight: 700; }
.tradeoff .cons li::marker { content: "− "; color: #c62828; font-weight: 700; }
.tradeoff .when, .tradeoff .sources { margin: 6px 0 0; }
.tradeoff .sources { color: #4a5263; font-size: 13px; }
.tradeoff.repeated { padding: 6px 14px; }
.missing { color: #8a1c1c; }
@media (max-width: 720px) { main { padding: 16px; } nav ol { columns: 1; } .tradeoff .proscons { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  table, .tradeoff, figure.diagram, li { break-inside: avoid; page-break-inside: avoid; }
  figure.diagram { border: none; }
  a { color: inherit; text-decoration: none; }
  code { background: none; padding: 0; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_markup_but_keeps_ids_readable() {
        assert_eq!(md_escape("url_cache", false), "url_cache");
        assert_eq!(md_escape("_x_ *y* <b>", false), "\\_x\\_ \\*y\\* \\<b>");
        assert_eq!(md_escape("a | b", true), "a \\| b");
        assert_eq!(md_code("a`b", false), "`` a`b ``");
    }

    #[test]
    fn ampersands_and_line_starts_are_escaped() {
        // `&amp;` would print `&`, `&lt;` a `<`.
        assert_eq!(md_escape("R&D &amp; &lt;", false), "R\\&D \\&amp; \\&lt;");
        // A `>` or `#` that could start a line would quote or head it;
        // inside a line they are plain.
        assert_eq!(md_escape("> quoted", false), "\\> quoted");
        assert_eq!(md_escape("  # heading", false), "  \\# heading");
        assert_eq!(md_escape("api -> db, #1", false), "api -> db, #1");
        assert_eq!(md_escape("a > b", true), "a > b");
    }
}
