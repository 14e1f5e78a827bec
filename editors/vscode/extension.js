// The hld extension: highlighting (syntaxes/hld.tmLanguage.json) and the
// language server, `hld lsp`, started from the PATH or the `hld.path`
// setting. Everything else (diagnostics, hover, completion, go to
// definition, rename, quick fixes, formatting) comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("hld");
  const command = config.get("path") || "hld";
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "hld" }, { scheme: "untitled", language: "hld" }],
  };
  client = new LanguageClient("hld", "hld", serverOptions, clientOptions);
  client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `hld: could not start \`${command} lsp\` (${error.message}). Install hld or set "hld.path".`
    );
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("hld.path")) {
        vscode.commands.executeCommand("workbench.action.restartExtensionHost");
      }
    })
  );
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
