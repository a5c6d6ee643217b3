// A minimal streaming JSON writer for responses. Strings are escaped per
// RFC 8259; a byte that is not valid UTF-8 is written as the four
// characters \xHH (lowercase hex), so any stored line can be returned as
// valid JSON and its bytes can still be read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lode {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // Inside an object: writes `"key":`; the next value call is its value.
  void Key(std::string_view key);

  void String(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);
  void Bool(bool v);
  void Null();
  // Writes `json` as is; the caller vouches that it is valid JSON.
  void Raw(std::string_view json);

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();

  std::string& out_;
  // One flag per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends `s` as a JSON string literal (with quotes).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace lode
