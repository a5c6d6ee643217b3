// The functions that read the record itself rather than its labels:
// `__line__` (the log line as it was before any line_format) and
// `__timestamp__` (the entry's time).
#include "query/template/functions.h"
#include "query/template/template.h"

namespace lode::tmpl {

void AddRecordFunctions(FunctionTable& table) {
  table["__line__"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("__line__", 0, a.size());
    return Value::String(std::string(c.input->line));
  };
  table["__timestamp__"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("__timestamp__", 0, a.size());
    return Value::Time(c.input->timestamp_ns);
  };
}

}  // namespace lode::tmpl
