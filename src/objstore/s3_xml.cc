#include "objstore/s3_xml.h"

#include <charconv>

namespace lode {
namespace {

void AppendUtf8(uint32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The character of a reference's body ("#38", "#x26"); nullopt when it
// names none XML allows.
std::optional<uint32_t> CharacterReference(std::string_view body) {
  int base = 10;
  body.remove_prefix(1);  // '#'
  if (!body.empty() && (body[0] == 'x' || body[0] == 'X')) {
    base = 16;
    body.remove_prefix(1);
  }
  uint32_t c = 0;
  auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), c, base);
  if (body.empty() || error != std::errc() || end != body.data() + body.size()) return std::nullopt;
  if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  return c;
}

bool ParseDecimal(std::string_view text, uint64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// The decoded text of the first element `name` in `xml`.
std::optional<std::string> ElementText(std::string_view xml, std::string_view name) {
  size_t pos = 0;
  auto raw = NextXmlElement(xml, name, pos);
  if (!raw) return std::nullopt;
  return XmlUnescape(*raw);
}

}  // namespace

std::optional<std::string_view> NextXmlElement(std::string_view xml, std::string_view name,
                                               size_t& pos) {
  while (pos < xml.size()) {
    const size_t open = xml.find('<', pos);
    if (open == std::string_view::npos) break;
    pos = open + 1;
    if (xml.compare(pos, name.size(), name) != 0) continue;
    const size_t after = pos + name.size();
    if (after >= xml.size()) break;
    const char next = xml[after];
    // <Key> but not <KeyCount>.
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\r' && next != '\n') {
      continue;
    }
    const size_t tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) break;
    if (xml[tag_end - 1] == '/') {  // <Name/>
      pos = tag_end + 1;
      return std::string_view();
    }
    const std::string close = "</" + std::string(name) + ">";
    const size_t close_at = xml.find(close, tag_end + 1);
    if (close_at == std::string_view::npos) break;
    pos = close_at + close.size();
    return xml.substr(tag_end + 1, close_at - tag_end - 1);
  }
  pos = xml.size();
  return std::nullopt;
}

std::optional<std::string> XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, amp - i));
    const size_t semi = text.find(';', amp);
    if (semi == std::string_view::npos) return std::nullopt;
    const std::string_view entity = text.substr(amp + 1, semi - amp - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (!entity.empty() && entity[0] == '#') {
      auto c = CharacterReference(entity);
      if (!c) return std::nullopt;
      AppendUtf8(*c, out);
    } else {
      return std::nullopt;
    }
    i = semi + 1;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<ListPage> ParseListPage(std::string_view xml) {
  size_t pos = 0;
  auto result = NextXmlElement(xml, "ListBucketResult", pos);
  if (!result)
    return Status::Corruption("not a ListBucketResult: " + std::string(xml.substr(0, 200)));
  ListPage page;
  pos = 0;
  while (auto contents = NextXmlElement(*result, "Contents", pos)) {
    auto key = ElementText(*contents, "Key");
    auto size = ElementText(*contents, "Size");
    ObjectInfo info;
    if (!key || key->empty()) return Status::Corruption("list: an entry without a readable key");
    info.key = std::move(*key);
    if (!size || !ParseDecimal(*size, info.size)) {
      return Status::Corruption("list: no readable size for " + info.key);
    }
    page.objects.push_back(std::move(info));
  }
  // The flag and the token are the result's own children; a <Contents>
  // holds neither, so the first of each is the right one.
  page.truncated = ElementText(*result, "IsTruncated").value_or("") == "true";
  if (page.truncated) {
    auto token = ElementText(*result, "NextContinuationToken");
    if (!token || token->empty()) {
      return Status::Corruption("list: a truncated page without a NextContinuationToken");
    }
    page.next_token = std::move(*token);
  }
  return page;
}

S3Error ParseS3Error(std::string_view xml) {
  S3Error error;
  size_t pos = 0;
  auto body = NextXmlElement(xml, "Error", pos);
  if (!body) return error;
  error.code = ElementText(*body, "Code").value_or("");
  error.message = ElementText(*body, "Message").value_or("");
  return error;
}

Result<std::string> ParseUploadId(std::string_view xml) {
  auto id = ElementText(xml, "UploadId");
  if (!id || id->empty()) {
    return Status::Corruption("no UploadId in: " + std::string(xml.substr(0, 200)));
  }
  return std::move(*id);
}

std::string CompleteMultipartBody(const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            XmlEscape(etags[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

}  // namespace lode
