// The LogQL editor: CodeMirror 6 with Grafana's LogQL grammar for
// highlighting, completion of label names and values from the server, and
// Ctrl/Cmd+Enter to run.
import { autocompletion, CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { HighlightStyle, LRLanguage, LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, DecorationSet, EditorView, keymap, placeholder } from "@codemirror/view";
import { parser } from "@grafana/lezer-logql";
import { styleTags, tags as t } from "@lezer/highlight";

import { FUNCTIONS, PIPELINE_STAGES } from "./logql";

const logqlLanguage = LRLanguage.define({
  name: "logql",
  parser: parser.configure({
    props: [
      styleTags({
        "Identifier": t.propertyName,
        "String": t.string,
        "Number Duration Bytes": t.number,
        "LineComment": t.lineComment,
        "Eq Neq Re Nre PipeExact PipeMatch PipePattern Npa Gtr Gte Lss Lte Eql Add Sub Mul Div Mod Pow Pipe": t.operator,
        "Json Logfmt Unpack Pattern Regexp Unwrap LabelFormat LineFormat Decolorize Drop Keep By Without Bool On Ignoring GroupLeft GroupRight Offset Ip": t.keyword,
        "And Or Unless": t.logicOperator,
        "CountOverTime Rate RateCounter BytesOverTime BytesRate AvgOverTime SumOverTime MinOverTime MaxOverTime StddevOverTime StdvarOverTime QuantileOverTime FirstOverTime LastOverTime AbsentOverTime Sum Avg Count Max Min Stddev Stdvar Bottomk Topk Sort Sort_Desc Vector LabelReplace BytesConv DurationConv DurationSecondsConv":
          t.function(t.variableName),
        "Range": t.number,
      }),
    ],
  }),
  languageData: { commentTokens: { line: "#" } },
});

const highlightStyle = HighlightStyle.define([
  { tag: t.propertyName, class: "tok-label" },
  { tag: t.string, class: "tok-string" },
  { tag: t.number, class: "tok-number" },
  { tag: t.lineComment, class: "tok-comment" },
  { tag: t.operator, class: "tok-operator" },
  { tag: t.keyword, class: "tok-keyword" },
  { tag: t.logicOperator, class: "tok-keyword" },
  { tag: t.function(t.variableName), class: "tok-function" },
]);

export interface Completions {
  labelNames(): Promise<string[]>;
  labelValues(name: string): Promise<string[]>;
}

// What is being typed at the cursor decides what is offered: a label name
// inside braces, a label's values after `name=`, a pipeline stage after
// `|`, otherwise a function.
function completionSource(source: Completions) {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const before = context.state.sliceDoc(0, context.pos);
    const inBraces = (before.match(/\{/g)?.length ?? 0) > (before.match(/\}/g)?.length ?? 0);
    const value = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"\\]*)$/.exec(before);
    if (inBraces && value) {
      const values = await source.labelValues(value[1]);
      return {
        from: context.pos - value[3].length,
        options: values.map((v) => ({ label: v, type: "text", apply: v.replace(/\\/g, "\\\\").replace(/"/g, '\\"') })),
        validFor: /^[^"\\]*$/,
      };
    }
    const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
    const from = word ? word.from : context.pos;
    if (!word && !context.explicit && !/[{,|(]\s*$/.test(before)) return null;
    if (inBraces) {
      const names = await source.labelNames();
      return {
        from,
        options: names.map((n) => ({ label: n, type: "property", apply: n + "=" })),
        validFor: /^[A-Za-z0-9_]*$/,
      };
    }
    if (/\|\s*[A-Za-z_]*$/.test(before)) {
      return { from, options: PIPELINE_STAGES.map((s) => ({ label: s, type: "keyword" })), validFor: /^[A-Za-z_]*$/ };
    }
    return {
      from,
      options: FUNCTIONS.map((f) => ({ label: f, type: "function" })),
      validFor: /^[A-Za-z_]*$/,
    };
  };
}

// An error position, underlined until the text changes.
const setErrorEffect = StateEffect.define<number | null>();
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) return Decoration.none;
    for (const e of tr.effects) {
      if (!e.is(setErrorEffect)) continue;
      if (e.value === null) return Decoration.none;
      const len = tr.state.doc.length;
      const from = Math.min(e.value, Math.max(0, len - 1));
      const to = Math.min(len, from + 1);
      if (from >= to) return Decoration.none;
      return Decoration.set([Decoration.mark({ class: "cm-error-at" }).range(from, to)]);
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export class QueryEditor {
  readonly view: EditorView;

  constructor(parent: HTMLElement, initial: string, onRun: () => void, source: Completions) {
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: initial,
        extensions: [
          history(),
          keymap.of([
            { key: "Mod-Enter", run: () => (onRun(), true), preventDefault: true },
            { key: "Shift-Enter", run: () => (onRun(), true), preventDefault: true },
            ...historyKeymap,
            ...defaultKeymap,
          ]),
          new LanguageSupport(logqlLanguage),
          syntaxHighlighting(highlightStyle),
          autocompletion({ override: [completionSource(source)], activateOnTyping: true }),
          placeholder('{app="api"} |= "error"   (Ctrl+Enter to run)'),
          EditorView.lineWrapping,
          errorField,
          EditorView.contentAttributes.of({ "aria-label": "LogQL query" }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  set text(value: string) {
    if (value === this.text) return;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: value } });
  }

  // Marks the character at (line, col), both counted from 1.
  markError(line: number, col: number): void {
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    this.view.dispatch({ effects: setErrorEffect.of(Math.min(l.from + col - 1, l.to)) });
  }

  clearError(): void {
    this.view.dispatch({ effects: setErrorEffect.of(null) });
  }

  focus(): void {
    this.view.focus();
  }
}
