#include "query/regex_literals.h"

#include <cctype>

namespace lode {
namespace {

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Removes the last character (a whole UTF-8 sequence) of `run`.
void DropLastChar(std::string& run) {
  while (!run.empty() && (static_cast<unsigned char>(run.back()) & 0xC0) == 0x80) run.pop_back();
  if (!run.empty()) run.pop_back();
}

// Length of a repetition `{n}`, `{n,}` or `{n,m}` at `p[i]` (a '{'), and
// its minimum in *min; 0 when it is not one.
size_t RepetitionLength(std::string_view p, size_t i, unsigned* min) {
  size_t j = i + 1;
  unsigned n = 0;
  size_t digits = 0;
  while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) {
    n = n * 10 + static_cast<unsigned>(p[j] - '0');
    if (++digits > 4) return 0;
    ++j;
  }
  if (digits == 0) return 0;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
  }
  if (j >= p.size() || p[j] != '}') return 0;
  *min = n;
  return j + 1 - i;
}

// Index just past the character class that starts at p[i] ('['), or
// npos when it does not end.
size_t SkipClass(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  if (j < p.size() && p[j] == ']') ++j;  // a ']' first is a member
  while (j < p.size()) {
    if (p[j] == '\\') {
      j += 2;
    } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
      size_t end = p.find(":]", j + 2);  // [:alpha:]
      if (end == std::string_view::npos) return std::string_view::npos;
      j = end + 2;
    } else if (p[j] == ']') {
      return j + 1;
    } else {
      ++j;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string> RequiredLiterals(std::string_view p, size_t min_length) {
  std::vector<std::string> out;
  std::string run;
  bool last_in_run = false;  // the atom just read is the last char of `run`
  auto end_run = [&] {
    if (run.size() >= min_length) out.push_back(run);
    run.clear();
    last_in_run = false;
  };
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    switch (c) {
      case '|':
        return {};  // either side may match alone
      case '*':
      case '?':
      case '+':
      case '{': {
        unsigned min = c == '+' ? 1 : 0;
        size_t length = 1;
        if (c == '{') {
          length = RepetitionLength(p, i, &min);
          if (length == 0) return {};  // a literal '{', or not: unsure
        }
        // The repeated atom: required once when the minimum is at least
        // one, else not at all; what follows is not adjacent to it.
        if (last_in_run && min == 0) DropLastChar(run);
        end_run();
        i += length;
        if (i < p.size() && p[i] == '?') ++i;  // non-greedy
        continue;
      }
      case '(': {
        if (p.substr(i, 2) == "(?") {
          // Flags: only case folding changes which bytes a match holds.
          size_t j = i + 2;
          if (j < p.size() && (p[j] == 'P' || p[j] == '<')) {
            // (?P<name>...) or (?<name>...): a named group.
          } else {
            for (; j < p.size() && p[j] != ')' && p[j] != ':'; ++j) {
              if (p[j] == 'i') return {};
            }
            if (j < p.size() && p[j] == ')') {
              // (?flags) alone is no atom: a quantifier after it repeats
              // whatever came before it (a character, a group, even a
              // repetition), which this scan cannot undo.
              i = j + 1;
              if (i < p.size() && std::string_view("*?+{").find(p[i]) != std::string_view::npos) {
                return {};
              }
              continue;
            }
          }
        }
        end_run();
        // Skip the group; its contents are not looked into.
        size_t depth = 0;
        size_t j = i;
        while (j < p.size()) {
          if (p[j] == '\\') {
            j += 2;
            continue;
          }
          if (p[j] == '[') {
            j = SkipClass(p, j);
            if (j == std::string_view::npos) return {};
            continue;
          }
          if (p[j] == '(') ++depth;
          if (p[j] == ')' && --depth == 0) break;
          ++j;
        }
        if (j >= p.size()) return {};
        i = j + 1;
        continue;
      }
      case '[': {
        end_run();
        size_t j = SkipClass(p, i);
        if (j == std::string_view::npos) return {};
        i = j;
        continue;
      }
      case '\\': {
        if (i + 1 >= p.size()) return {};
        const char e = p[i + 1];
        if (!IsAsciiAlnum(e)) {
          run.push_back(e);  // an escaped punctuation character: itself
          last_in_run = true;
          i += 2;
          continue;
        }
        // Classes and assertions of one letter; anything else (\p{..},
        // \x41, octal, \Q...\E) is not worth the risk.
        if (std::string_view("dDwWsSbBAznrtfva").find(e) == std::string_view::npos) return {};
        end_run();
        i += 2;
        continue;
      }
      case '.':
      case '^':
      case '$':
      case ')':
      case ']':
      case '}':
        end_run();
        ++i;
        continue;
      default:
        run.push_back(c);
        last_in_run = true;
        // The rest of a UTF-8 sequence belongs to the same character.
        while (i + 1 < p.size() && (static_cast<unsigned char>(p[i + 1]) & 0xC0) == 0x80) {
          run.push_back(p[++i]);
        }
        ++i;
    }
  }
  end_run();
  return out;
}

}  // namespace lode
