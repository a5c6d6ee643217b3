// Parser: LogQL text to AST, by recursive descent over the lexer's tokens.
//
// Grammar (Loki's; anything else is a parse error with a position):
//
//   query      = expr END
//   expr       = binary expression over unary, by precedence:
//                or < and, unless < == != > >= < <= < + - < * / % < ^
//                (^ right-associative), each operator optionally followed
//                by `bool` (comparisons), `on(..)`/`ignoring(..)` and
//                `group_left(..)`/`group_right(..)`
//   unary      = "(" expr ")" | ["+"|"-"] NUMBER | "vector" "(" number ")"
//              | "label_replace" "(" expr "," STRING "," STRING "," STRING "," STRING ")"
//              | range_agg | vector_agg | log_query
//   log_query  = selector { stage }
//   selector   = "{" matcher { "," matcher } "}"
//   stage      = line_filter | "|" ( parser | label_filter | "line_format" STRING
//              | "label_format" fmt { "," fmt } | ("drop"|"keep") sel { "," sel }
//              | "decolorize" )
//   line_filter= ("|="|"!="|"|~"|"!~"|"|>"|"!>") value { "or" value },
//                value = STRING | "ip" "(" STRING ")"
//   parser     = "json" [extractions] | "logfmt" {"--strict"|"--keep-empty"} [extractions]
//              | "regexp" STRING | "pattern" STRING | "unpack"
//   label_filter = or-tree of ("," | "and") and "or" over "(" .. ")" and
//                IDENT (= != =~ !~) STRING | IDENT cmp (NUMBER|DURATION|BYTES)
//              | IDENT (= | !=) "ip" "(" STRING ")"
//   range_agg  = RANGE_OP "(" [NUMBER ","] log_range ")" [grouping]
//   log_range  = log_query [unwrap] "[" DURATION "]" ["offset" DURATION]
//              | selector "[" DURATION "]" ["offset" DURATION] {stage} [unwrap]
//   unwrap     = "|" "unwrap" (IDENT | conv "(" IDENT ")") { "|" label_filter }
//   vector_agg = VECTOR_OP [grouping] "(" [NUMBER ","] expr ")" [grouping]
//   grouping   = ("by"|"without") "(" [IDENT {"," IDENT}] ")"
//
// Semantic rules, as Loki enforces them:
//   - regexes (matchers, filters, regexp stages) must compile with RE2;
//     a regexp stage needs a named group; a pattern stage a capture and no
//     two captures side by side; a pattern filter only `<_>`;
//   - a selector needs at least one matcher that does not match the empty
//     string ({app=~".*"} alone selects everything and is refused);
//   - unwrap is required by sum/avg/min/max/stddev/stdvar/quantile/first/
//     last_over_time and rate_counter, refused by count_over_time,
//     bytes_over_time, bytes_rate; grouping on a range aggregation only for
//     avg/min/max/stddev/stdvar/quantile/first/last_over_time;
//   - topk/bottomk/approx_topk need an integer k > 0; sort/sort_desc and
//     approx_topk take no grouping; the quantile and vector()'s value are
//     unsigned numbers;
//   - a log query is a whole query, never an operand; set operators need
//     vectors on both sides; `bool` only after comparisons;
//   - queries longer than kMaxQueryBytes are refused before lexing.
//
// Every error is Status::InvalidArgument whose message reads like Loki's:
// "parse error at line L, col C: <what>" (1-based line, byte column of the
// offending token), or "parse error : <what>" when no single place is at
// fault. Thread-safe: ParseQuery keeps no state between calls.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "logql/ast.h"

namespace lode::logql {

inline constexpr size_t kMaxQueryBytes = 128 * 1024;

Result<Expr> ParseQuery(std::string_view query);

}  // namespace lode::logql
