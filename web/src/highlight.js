// Highlighting for .hld text, from the language's own words: the
// WebAssembly core lists its declaration keywords, component kinds and
// technologies (hld::syntax::cst, hld::model::Kind, the knowledge base),
// so the editor colours what the compiler accepts.
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

export function hldLanguage(vocabulary) {
  const keywords = new Set(vocabulary.keywords);
  const kinds = new Set(vocabulary.kinds);
  const technologies = new Set(vocabulary.technologies);
  return StreamLanguage.define({
    name: "hld",
    startState: () => ({ comment: false, afterColon: false }),
    token(stream, state) {
      if (state.comment) {
        if (stream.skipTo("*/")) {
          stream.match("*/");
          state.comment = false;
        } else {
          stream.skipToEnd();
        }
        return "blockComment";
      }
      if (stream.eatSpace()) return null;
      if (stream.match("//")) {
        stream.skipToEnd();
        return "lineComment";
      }
      if (stream.match("/*")) {
        state.comment = true;
        return "blockComment";
      }
      if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) {
        state.afterColon = false;
        return "string";
      }
      if (stream.match("->")) return "operator";
      if (stream.match(/^[0-9][0-9_.]*(?:[a-zA-Zµ%]+(?:\/[a-z]+)?)?/)) return "number";
      if (stream.match(/^[A-Za-z_][A-Za-z0-9_.]*/)) {
        const word = stream.current();
        const colon = state.afterColon;
        state.afterColon = false;
        if (colon && technologies.has(word)) return "namespace";
        if (keywords.has(word)) return "keyword";
        if (kinds.has(word)) return "typeName";
        if (stream.match(/^\s*=/, false)) return "propertyName";
        return "variableName";
      }
      const ch = stream.next();
      if (ch === ":") state.afterColon = true;
      if (ch === "=") return "operator";
      if ("{}[]()".includes(ch)) return "bracket";
      return "punctuation";
    },
    languageData: { commentTokens: { line: "//", block: { open: "/*", close: "*/" } } },
  });
}

export const hldHighlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: tags.keyword, color: "#7b1fa2", fontWeight: "600" },
    { tag: tags.typeName, color: "#1565c0", fontWeight: "600" },
    { tag: tags.namespace, color: "#00796b" },
    { tag: tags.propertyName, color: "#5d4037" },
    { tag: tags.string, color: "#2e7d32" },
    { tag: tags.number, color: "#c2185b" },
    { tag: tags.comment, color: "#757575", fontStyle: "italic" },
    { tag: tags.operator, color: "#555" },
    { tag: tags.variableName, color: "#1b1b1b" },
  ]),
);
