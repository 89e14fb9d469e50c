#include "router/router_error.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>

namespace lokku::router {

const CodeInfo& info(Code code) {
  static const std::array<CodeInfo, 18> kInfo{{
      {"H10", "App crashed", 503, "error"},
      {"H12", "Request timeout", 503, "error"},
      {"H13", "Connection closed without response", 503, "error"},
      {"H14", "No web processes running", 503, "error"},
      {"H15", "Idle connection", 503, "error"},
      {"H17", "Poorly formatted HTTP response", 503, "error"},
      {"H18", "Server Request Interrupted", 503, "error"},
      {"H19", "Backend connection timeout", 503, "error"},
      {"H20", "App boot timeout", 503, "error"},
      {"H21", "Backend connection refused", 503, "error"},
      {"H25", "HTTP restriction", 502, "error"},
      {"H26", "Request Error", 400, "error"},
      {"H27", "Client Request Interrupted", 499, "warning"},
      {"H28", "Client Connection Idle", 499, "warning"},
      {"H33", "HTTP/2 Stream Broken", 499, "warning"},
      {"H80", "Maintenance mode", 503, "info"},
      {"H81", "Blank app", 503, "info"},
      {"H99", "Platform error", 503, "error"},
  }};
  return kInfo[static_cast<std::size_t>(code)];
}

namespace {

/// Writes into storage sized beforehand: a line is some twenty pieces, and each costs a copy
/// instead of a capacity check, a length count and a call.
class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  Writer& operator<<(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
    return *this;
  }
  template <class Int>
  Writer& number(Int v) {
    const fmt::format_int text(v);
    return *this << std::string_view(text.data(), text.size());
  }
  /// `12ms`, or nothing when the time is not known.
  Writer& ms(const std::optional<long>& v) { return v ? number(*v) << "ms" : *this; }
  char* end() const { return at_; }

 private:
  char* at_;
};

}  // namespace

void AccessRecord::clear() {
  code.reset();
  cause.clear();
  method.clear();
  path.clear();
  host.clear();
  request_id.clear();
  fwd.clear();
  dyno.clear();
  connect_ms.reset();
  service_ms.reset();
  status = 0;
  bytes.reset();
  protocol = "http";
}

std::string format_access(const AccessRecord& r) {
  std::string out;
  append_access(out, r);
  return out;
}

void append_access(std::string& out, const AccessRecord& r) {
  // Room for the longest line these values make: the fixed text (under 200 bytes with the
  // longest description), five numbers of at most 20 digits, and the values.
  const std::size_t at = out.size();
  out.resize(at + 320 + 2 * r.cause.size() + r.method.size() + r.path.size() + r.host.size() +
             r.request_id.size() + r.fwd.size() + r.dyno.size() + r.protocol.size());
  Writer w(out.data() + at);
  if (r.code == Code::H18) {
    w << "sock=backend ";
  } else if (r.code == Code::H27 || r.code == Code::H28 || r.code == Code::H33) {
    w << "sock=client ";
  }
  if (r.code) {
    const auto& i = info(*r.code);
    w << "at=" << i.level << " code=" << i.name << " desc=\"" << i.desc;
    if (*r.code == Code::H25 && !r.cause.empty()) {
      w << ": " << r.cause;
    }
    w << "\" ";
    if (*r.code == Code::H26 && !r.cause.empty()) {
      w << "cause=\"" << r.cause << "\" ";
    }
  } else {
    w << "at=info ";
  }
  // §7's fields in order.
  w << "method=" << r.method << " path=\"" << r.path << "\" host=" << r.host
    << " request_id=" << r.request_id << " fwd=\"" << r.fwd << "\" dyno=" << r.dyno << " connect=";
  w.ms(r.connect_ms) << " service=";
  w.ms(r.service_ms) << " status=";
  w.number(r.status) << " bytes=";
  if (r.bytes) {
    w.number(*r.bytes);
  }
  w << " protocol=" << r.protocol;
  out.resize(static_cast<std::size_t>(w.end() - out.data()));
}

std::string error_page(std::string_view url) {
  return fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "  <head>\n"
      "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "    <meta charset=\"utf-8\">\n"
      "    <title>Application Error</title>\n"
      "    <style media=\"screen\">\n"
      "      html,body,iframe {{ margin: 0; padding: 0; }}\n"
      "      html,body {{ height: 100%; overflow: hidden; }}\n"
      "      iframe {{ width: 100%; height: 100%; border: 0; }}\n"
      "    </style>\n"
      "  </head>\n"
      "  <body>\n"
      "    <iframe src=\"{}\"></iframe>\n"
      "  </body>\n"
      "</html>\n",
      url);
}

std::string no_such_app_page() {
  return "<!DOCTYPE html>\n"
         "<html>\n"
         "  <head>\n"
         "    <meta charset=\"utf-8\">\n"
         "    <title>No such app</title>\n"
         "  </head>\n"
         "  <body>\n"
         "    <h1>No such app</h1>\n"
         "    <p>There is no app configured at that hostname. Apps answer at "
         "http://&lt;app&gt;.localhost:&lt;port&gt;/ (lokku apps lists them).</p>\n"
         "  </body>\n"
         "</html>\n";
}

}  // namespace lokku::router
