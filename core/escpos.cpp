#include "core/escpos.h"

#include <optional>

#include "core/base64.h"
#include "core/gbk.h"

namespace aisle::core {
namespace {

constexpr int kMinColumns = 16;
constexpr int kMaxColumns = 64;
constexpr size_t kMaxLines = 1000;
constexpr size_t kMaxTextBytes = 2000;
constexpr size_t kMaxQrBytes = 1000;
constexpr int kMaxFeed = 20;
// Characters the terminal prints that GBK lacks, and what gb18030 documents print instead.
constexpr char32_t kGbkStandIns[][2] = {
    {0x00A5, 0xFFE5},  // ¥ -> ￥ (fullwidth yen sign, A3 A4)
    {0x2212, '-'},     // − (minus sign) -> ASCII hyphen-minus
};

// ESC/POS commands (Epson's names).
constexpr std::string_view kInit = "\x1b@";                     // ESC @
constexpr std::string_view kChineseMode = "\x1c&";              // FS &
constexpr std::string_view kCancelChineseMode = "\x1c.";        // FS .
constexpr std::string_view kUtf8Mode = {"\x1c(C\x02\x00\x30\x02", 7};  // FS ( C fn 48: UTF-8
constexpr std::string_view kBoldOn = {"\x1b" "E\x01", 3};       // ESC E 1
constexpr std::string_view kBoldOff = {"\x1b" "E\x00", 3};      // ESC E 0
constexpr std::string_view kDoubleOn = {"\x1d!\x11", 3};        // GS ! : double width and height
constexpr std::string_view kDoubleOff = {"\x1d!\x00", 3};       // GS ! 0
constexpr std::string_view kQrPrefix = "\x1d(k";                // GS ( k

// One decoded UTF-8 character: its code point and its bytes.
struct Char {
  char32_t code_point;
  std::string_view bytes;
};

// Decodes the character at text[i]; a malformed sequence is one byte of U+FFFD.
Char DecodeAt(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  size_t len = 0;
  char32_t cp = 0;
  if (b < 0x80) return Char{b, text.substr(i, 1)};
  if ((b & 0xE0) == 0xC0) {
    len = 2;
    cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3;
    cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4;
    cp = b & 0x07;
  } else {
    return Char{0xFFFD, text.substr(i, 1)};
  }
  if (i + len > text.size()) return Char{0xFFFD, text.substr(i, 1)};
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return Char{0xFFFD, text.substr(i, 1)};
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinOf[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Char{0xFFFD, text.substr(i, 1)};
  return Char{cp, text.substr(i, len)};
}

// Control characters would be printer commands: they print as '?'.
bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool IsWide(char32_t cp) {
  static constexpr char32_t kWide[][2] = {
      {0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
      {0xA000, 0xA4CF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE30, 0xFE4F}, {0xFF00, 0xFF60},
      {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD}};
  for (const auto& range : kWide) {
    if (cp >= range[0] && cp <= range[1]) return true;
  }
  return false;
}

// The printer's bytes for one character.
std::string EncodeChar(const Char& c, PrintEncoding encoding) {
  if (IsControl(c.code_point) || c.code_point == 0xFFFD) return "?";
  if (c.code_point < 0x80) return std::string(c.bytes);
  if (encoding == PrintEncoding::kUtf8) return std::string(c.bytes);
  char32_t cp = c.code_point;
  for (const auto& [from, to] : kGbkStandIns) {
    if (cp == from) cp = to;
  }
  if (cp < 0x80) return std::string(1, static_cast<char>(cp));
  const uint16_t code = GbkCode(cp);
  if (code == 0) return "?";
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

int CharColumns(const Char& c, PrintEncoding encoding) {
  if (encoding == PrintEncoding::kGb18030) return static_cast<int>(EncodeChar(c, encoding).size());
  return IsWide(c.code_point) ? 2 : 1;
}

std::string EncodeText(std::string_view utf8, PrintEncoding encoding) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const Char c = DecodeAt(utf8, i);
    out += EncodeChar(c, encoding);
    i += c.bytes.size();
  }
  return out;
}

std::string Spaces(int n) { return std::string(static_cast<size_t>(n > 0 ? n : 0), ' '); }

// The lines of a two-column row: the right text (an amount) right-aligned on
// the first line when it fits beside the left one, the left text wrapped to
// the columns it leaves; a right text wider than half the paper goes on its
// own lines below.
std::vector<std::string> RowLines(const PrintLine& line, int columns, PrintEncoding encoding) {
  const int right_width = TextColumns(line.right, encoding);
  if (right_width == 0) return WrapText(line.text, columns, encoding);
  if (right_width <= columns / 2) {
    std::vector<std::string> out = WrapText(line.text, columns - right_width - 1, encoding);
    out[0] += Spaces(columns - TextColumns(out[0], encoding) - right_width) + line.right;
    return out;
  }
  std::vector<std::string> out = WrapText(line.text, columns, encoding);
  for (const std::string& part : WrapText(line.right, columns, encoding)) {
    out.push_back(Spaces(columns - TextColumns(part, encoding)) + part);
  }
  return out;
}

void AppendQr(std::string& out, const PrintLine& line) {
  const auto command = [&](std::string_view body) {
    out += kQrPrefix;
    out += static_cast<char>(body.size() & 0xFF);
    out += static_cast<char>(body.size() >> 8);
    out += body;
  };
  out += "\x1b" "a\x01";  // ESC a 1: centred
  command(std::string_view("1A2\x00", 4));                             // model 2
  command(std::string("1C") + static_cast<char>(line.number));         // module size
  const std::string_view levels = "LMQH";
  command(std::string("1E") + static_cast<char>('0' + levels.find(line.symbol)));  // error correction
  command("1P0" + line.text);                                           // store the data
  command("1Q0");                                                       // print it
  out += '\n';
  out += std::string_view("\x1b" "a\x00", 3);
}

Result<std::optional<bool>> ReadOptionalBool(const Json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean()) return WrongType(JoinPath(base, key), "true or false");
  return std::optional<bool>(it->get<bool>());
}

Result<std::string> ReadText(const Json& obj, std::string_view key, const std::string& base, bool required) {
  auto text = ReadOptionalString(obj, key, base);
  if (!text) return text.error();
  if (!text->has_value()) {
    if (required) return Missing(JoinPath(base, key));
    return std::string();
  }
  if ((*text)->size() > kMaxTextBytes) {
    return Error::Make("text_too_long", JoinPath(base, key) + " is longer than " + std::to_string(kMaxTextBytes) + " bytes",
                       JoinPath(base, key));
  }
  return std::move(**text);
}

// An optional integer in [low, high], `fallback` when absent.
Result<int> ReadSmallInt(const Json& obj, std::string_view key, const std::string& base, int low, int high,
                         int fallback, const char* code) {
  auto v = ReadOptionalInt(obj, key, base);
  if (!v) return v.error();
  if (!v->has_value()) return fallback;
  if (**v < low || **v > high) {
    return Error::Make(code, JoinPath(base, key) + " must be " + std::to_string(low) + " to " + std::to_string(high),
                       JoinPath(base, key));
  }
  return static_cast<int>(**v);
}

Result<PrintLine> ParseLine(const Json& item, const std::string& path) {
  if (!item.is_object()) return WrongType(path, "an object");
  auto type = ReadString(item, "type", path);
  if (!type) return type.error();
  PrintLine line;
  auto bold = ReadOptionalBool(item, "bold", path);
  if (!bold) return bold.error();
  line.bold = bold->value_or(false);
  if (*type == "text") {
    line.kind = PrintLine::Kind::kText;
    auto text = ReadText(item, "text", path, true);
    if (!text) return text.error();
    line.text = std::move(*text);
    auto align = ReadOptionalString(item, "align", path);
    if (!align) return align.error();
    const std::string a = align->value_or("left");
    if (a == "center") {
      line.align = PrintAlign::kCenter;
    } else if (a == "right") {
      line.align = PrintAlign::kRight;
    } else if (a != "left") {
      return Error::Make("invalid_align", "align must be left, center or right", JoinPath(path, "align"));
    }
    auto size = ReadOptionalBool(item, "double", path);
    if (!size) return size.error();
    line.double_size = size->value_or(false);
  } else if (*type == "row") {
    line.kind = PrintLine::Kind::kRow;
    auto left = ReadText(item, "left", path, true);
    if (!left) return left.error();
    auto right = ReadText(item, "right", path, false);
    if (!right) return right.error();
    line.text = std::move(*left);
    line.right = std::move(*right);
  } else if (*type == "rule") {
    line.kind = PrintLine::Kind::kRule;
    auto symbol = ReadOptionalString(item, "char", path);
    if (!symbol) return symbol.error();
    const std::string s = symbol->value_or("-");
    if (s.size() != 1 || s[0] < 0x21 || s[0] > 0x7E) {
      return Error::Make("invalid_rule", "char must be one printable ASCII character", JoinPath(path, "char"));
    }
    line.symbol = s[0];
  } else if (*type == "qr") {
    line.kind = PrintLine::Kind::kQr;
    auto data = ReadString(item, "data", path);
    if (!data) return data.error();
    if (data->empty() || data->size() > kMaxQrBytes) {
      return Error::Make("invalid_qr", "data must be 1 to " + std::to_string(kMaxQrBytes) + " bytes", JoinPath(path, "data"));
    }
    line.text = std::move(*data);
    auto size = ReadSmallInt(item, "size", path, 1, 16, 6, "invalid_qr");
    if (!size) return size.error();
    line.number = *size;
    auto ec = ReadOptionalString(item, "ec", path);
    if (!ec) return ec.error();
    const std::string level = ec->value_or("M");
    if (level.size() != 1 || std::string_view("LMQH").find(level[0]) == std::string_view::npos) {
      return Error::Make("invalid_qr", "ec must be L, M, Q or H", JoinPath(path, "ec"));
    }
    line.symbol = level[0];
  } else if (*type == "feed") {
    line.kind = PrintLine::Kind::kFeed;
    auto n = ReadSmallInt(item, "lines", path, 1, kMaxFeed, 1, "invalid_feed");
    if (!n) return n.error();
    line.number = *n;
  } else if (*type == "cut") {
    line.kind = PrintLine::Kind::kCut;
    auto partial = ReadOptionalBool(item, "partial", path);
    if (!partial) return partial.error();
    line.partial = partial->value_or(false);
  } else {
    return Error::Make("invalid_line_type", "unknown line type '" + *type + "' (text, row, rule, qr, feed, cut)",
                       JoinPath(path, "type"));
  }
  return line;
}

}  // namespace

int TextColumns(std::string_view utf8, PrintEncoding encoding) {
  int width = 0;
  for (size_t i = 0; i < utf8.size();) {
    const Char c = DecodeAt(utf8, i);
    width += CharColumns(c, encoding);
    i += c.bytes.size();
  }
  return width;
}

std::vector<std::string> WrapText(std::string_view utf8, int columns, PrintEncoding encoding) {
  std::vector<std::string> lines;
  std::vector<std::pair<Char, int>> line;  // characters of the line being filled, with their columns
  int width = 0;
  const auto emit = [&](size_t from, size_t to) {
    std::string text;
    for (size_t k = from; k < to; ++k) text += line[k].first.bytes;
    lines.push_back(std::move(text));
  };
  for (size_t i = 0; i < utf8.size();) {
    const Char c = DecodeAt(utf8, i);
    i += c.bytes.size();
    if (c.code_point == '\n') {
      emit(0, line.size());
      line.clear();
      width = 0;
      continue;
    }
    const int w = CharColumns(c, encoding);
    bool broke = false;
    while (width + w > columns && !line.empty()) {
      broke = true;
      // The last place a line may end: after a space (dropped), or beside a wide character (CJK
      // needs no space); when there is none, before this character.
      size_t cut = line.size();  // the line is line[0, end), the next one starts at line[cut]
      size_t end = line.size();
      for (size_t k = line.size(); k >= 1; --k) {
        if (line[k - 1].first.code_point == ' ') {
          size_t e = k - 1;
          while (e > 0 && line[e - 1].first.code_point == ' ') --e;
          if (e == 0) continue;
          cut = k;
          end = e;
          break;
        }
        if (line[k - 1].second > 1 || (k < line.size() ? line[k].second : w) > 1) {
          cut = end = k;
          break;
        }
      }
      emit(0, end);
      line.erase(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(cut));
      width = 0;
      for (const auto& [ch, cw] : line) width += cw;
    }
    if (broke && line.empty() && c.code_point == ' ') continue;  // no line starts with the space it broke at
    line.emplace_back(c, w);
    width += w;
  }
  if (!line.empty() || lines.empty()) emit(0, line.size());
  return lines;
}

Result<PrintDocument> ParsePrintDocument(const Json& doc) {
  if (!doc.is_object()) return WrongType("(input)", "an object");
  PrintDocument out;
  auto columns = ReadInt(doc, "columns", "");
  if (!columns) return columns.error();
  if (*columns < kMinColumns || *columns > kMaxColumns) {
    return Error::Make("invalid_columns",
                       "columns must be " + std::to_string(kMinColumns) + " to " + std::to_string(kMaxColumns) +
                           " (32 for 58 mm paper, 48 for 80 mm)",
                       "columns");
  }
  out.columns = static_cast<int>(*columns);
  auto encoding = ReadString(doc, "encoding", "");
  if (!encoding) return encoding.error();
  if (*encoding == "gb18030") {
    out.encoding = PrintEncoding::kGb18030;
  } else if (*encoding == "utf8") {
    out.encoding = PrintEncoding::kUtf8;
  } else {
    return Error::Make("invalid_encoding", "encoding must be gb18030 or utf8", "encoding");
  }
  auto lines = ReadArray(doc, "lines", "");
  if (!lines) return lines.error();
  if ((*lines)->size() > kMaxLines) {
    return Error::Make("too_many_lines", "a document has at most " + std::to_string(kMaxLines) + " lines", "lines");
  }
  for (size_t i = 0; i < (*lines)->size(); ++i) {
    auto line = ParseLine((**lines)[i], IndexPath("lines", i));
    if (!line) return line.error();
    out.lines.push_back(std::move(*line));
  }
  return out;
}

std::string EncodeEscPos(const PrintDocument& doc) {
  std::string out(kInit);
  if (doc.encoding == PrintEncoding::kGb18030) {
    out += kChineseMode;
  } else {
    out += kCancelChineseMode;
    out += kUtf8Mode;
  }
  const auto put_lines = [&](const std::vector<std::string>& lines) {
    for (const std::string& l : lines) {
      out += EncodeText(l, doc.encoding);
      out += '\n';
    }
  };
  for (const PrintLine& line : doc.lines) {
    if (line.bold) out += kBoldOn;
    switch (line.kind) {
      case PrintLine::Kind::kText: {
        const char align = line.align == PrintAlign::kCenter ? '\x01' : line.align == PrintAlign::kRight ? '\x02' : '\x00';
        if (align != 0) out += std::string("\x1b" "a") + align;  // ESC a n
        if (line.double_size) out += kDoubleOn;
        put_lines(WrapText(line.text, line.double_size ? doc.columns / 2 : doc.columns, doc.encoding));
        if (line.double_size) out += kDoubleOff;
        if (align != 0) out += std::string_view("\x1b" "a\x00", 3);
        break;
      }
      case PrintLine::Kind::kRow:
        put_lines(RowLines(line, doc.columns, doc.encoding));
        break;
      case PrintLine::Kind::kRule:
        out += std::string(static_cast<size_t>(doc.columns), line.symbol);
        out += '\n';
        break;
      case PrintLine::Kind::kQr:
        AppendQr(out, line);
        break;
      case PrintLine::Kind::kFeed:
        out += "\x1b" "d";  // ESC d n
        out += static_cast<char>(line.number);
        break;
      case PrintLine::Kind::kCut:
        out += "\x1d" "V";  // GS V m 0: feed to the cutter, then a full (65) or partial (66) cut
        out += line.partial ? 'B' : 'A';
        out += '\0';
        break;
    }
    if (line.bold) out += kBoldOff;
  }
  return out;
}

std::string EscPosEncodeJson(std::string_view input) {
  const auto fail = [](const Error& e) { return ToCanonicalJson(ErrorToJson(e)); };
  auto json = ParseJson(input);
  if (!json) return fail(json.error());
  auto doc = ParsePrintDocument(*json);
  if (!doc) return fail(doc.error());
  const std::string bytes = EncodeEscPos(*doc);
  return ToCanonicalJson(Json{{"bytes", bytes.size()}, {"data", Base64Encode(bytes)}});
}

}  // namespace aisle::core
