//! Risks (section 8 of the full reference): every finding of `hld check`, most severe first, with its fix.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn risks(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        if self.findings.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "`hld check` finds nothing to report: no single point of failure, consistency mismatch or classic mistake among its rules.",
            )));
            return blocks;
        }
        let summary = crate::diagnostics::Summary::of(self.findings);
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "`hld check` reports {}, {} and {}. Each, with what it means and its fix:",
            count(summary.errors, "error"),
            count(summary.warnings, "warning"),
            count(summary.infos, "info")
        ))));
        let mut ordered: Vec<&Diagnostic> = self.findings.iter().collect();
        // Most severe first; the sort is stable.
        ordered.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
        let items = ordered.into_iter().map(finding_text).collect();
        blocks.push(Block::Bullets(items));
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, section};
    use crate::explain::SectionKind;

    #[test]
    fn every_finding_with_its_fix() {
        let text = section(FRAGILE, SectionKind::Risks);
        assert!(text.contains("single-point-of-failure"), "{text}");
        assert!(text.contains("Fix: "), "{text}");
    }
}
