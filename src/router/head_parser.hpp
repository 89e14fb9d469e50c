#pragma once
// The heads the router parses. Beast's basic_parser reads them (the grammar, the limits, what
// Content-Length, Transfer-Encoding and Connection mean for the body and the connection); a
// Head keeps what it read in arrival order, in two buffers a connection reuses for all its
// requests. Beast's own message (basic_fields) puts every field into a search tree and a
// list as well: most of the cost of a head, for a proxy that reads each field once, in
// order, and writes it out again.

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::router {

/// One field of a Head, as it came.
class HeadField {
 public:
  boost::beast::http::field name() const { return name_; }
  std::string_view name_string() const { return name_string_; }
  std::string_view value() const { return value_; }

 private:
  friend class Head;
  boost::beast::http::field name_ = boost::beast::http::field::unknown;
  std::uint32_t name_at_ = 0, name_size_ = 0, value_at_ = 0, value_size_ = 0;
  std::string_view name_string_;  // set when the head is complete
  std::string_view value_;
};

/// A request or response head: start line and fields in arrival order. Its text is readable
/// once the head is complete (empty before).
class Head {
 public:
  /// Storage kept between heads; a larger head's is given back.
  static constexpr std::size_t kKeepText = 16 * 1024;
  static constexpr std::size_t kKeepFields = 128;

  void clear() {
    if (text_.capacity() > kKeepText) {
      std::string().swap(text_);  // (a move-assignment would keep the buffer)
    }
    if (fields_.capacity() > kKeepFields) {
      std::vector<HeadField>().swap(fields_);
    }
    text_.clear();
    fields_.clear();
    method_ = boost::beast::http::verb::unknown;
    status_ = version_ = 0;
    first_at_ = first_size_ = second_at_ = second_size_ = 0;
    first_ = second_ = {};
    complete_ = false;
  }

  // A request's start line.
  boost::beast::http::verb method() const { return method_; }
  std::string_view method_string() const { return first_; }
  std::string_view target() const { return second_; }
  // A response's.
  unsigned result_int() const { return status_; }
  boost::beast::http::status result() const { return boost::beast::http::int_to_status(status_); }
  std::string_view reason() const { return second_; }
  /// 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const { return version_; }

  std::vector<HeadField>::const_iterator begin() const { return fields_.begin(); }
  std::vector<HeadField>::const_iterator end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  /// What the head's text holds on to between heads (bounded by kKeepText).
  std::size_t text_capacity() const { return text_.capacity(); }

 private:
  template <bool isRequest>
  friend class HeadParser;

  std::uint32_t keep(std::string_view s) {
    const auto at = static_cast<std::uint32_t>(text_.size());
    text_.append(s);
    return at;
  }
  void start(std::string_view first, std::string_view second, unsigned version) {
    first_size_ = static_cast<std::uint32_t>(first.size());
    first_at_ = keep(first);
    second_size_ = static_cast<std::uint32_t>(second.size());
    second_at_ = keep(second);
    version_ = version;
  }
  void add(boost::beast::http::field name, std::string_view name_string, std::string_view value) {
    HeadField& f = fields_.emplace_back();
    f.name_ = name;
    f.name_size_ = static_cast<std::uint32_t>(name_string.size());
    f.name_at_ = keep(name_string);
    f.value_size_ = static_cast<std::uint32_t>(value.size());
    f.value_at_ = keep(value);
  }
  /// The head is complete: its text stays where it is until clear().
  void done() {
    complete_ = true;
    const std::string_view text(text_);
    first_ = text.substr(first_at_, first_size_);
    second_ = text.substr(second_at_, second_size_);
    for (auto& f : fields_) {
      f.name_string_ = text.substr(f.name_at_, f.name_size_);
      f.value_ = text.substr(f.value_at_, f.value_size_);
    }
  }

  std::string text_;
  std::vector<HeadField> fields_;
  bool complete_ = false;  ///< done(): the fields' views point into text_, which stays put
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  unsigned status_ = 0;
  unsigned version_ = 0;
  std::uint32_t first_at_ = 0, first_size_ = 0, second_at_ = 0, second_size_ = 0;
  std::string_view first_;   // a request's method (a response has nothing here)
  std::string_view second_;  // target, or reason
};

/// Parses one head into `head` (cleared first), then the body into the window body() says:
/// each put() writes at most `size` bytes at `data` and moves both past them, and ends in
/// http::error::need_buffer when the window is full or absent (Beast's buffer_body, without
/// a message around it). A new parser for each message, as with any Beast parser.
template <bool isRequest>
class HeadParser : public boost::beast::http::basic_parser<isRequest> {
 public:
  struct Window {
    char* data = nullptr;
    std::size_t size = 0;
  };

  explicit HeadParser(Head& head) : head_(head) { head_.clear(); }

  Head& get() { return head_; }
  const Head& get() const { return head_; }
  Window& body() { return body_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb method, string_view method_string,
                       string_view target, int version, error_code&) override {
    head_.method_ = method;
    head_.start(method_string, target, static_cast<unsigned>(version));
  }
  void on_response_impl(int code, string_view reason, int version, error_code&) override {
    head_.status_ = static_cast<unsigned>(code);
    head_.start({}, reason, static_cast<unsigned>(version));
  }
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override {
    // A chunked body's trailer fields come after the head is complete: they are dropped (the
    // router de-chunks, RSP-5), and appending them would move the text the head's views
    // point into (tests/fuzz/regressions/router_head/trailer-after-head).
    if (!head_.complete_) {
      head_.add(name, name_string, value);
    }
  }
  void on_header_impl(error_code& ec) override {
    head_.done();
    ec = {};
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec) override {
    ec = {};
  }
  std::size_t on_body_impl(string_view body, error_code& ec) override { return take(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return take(body, ec);
  }
  void on_finish_impl(error_code& ec) override { ec = {}; }

  std::size_t take(string_view body, error_code& ec) {
    if (body_.data == nullptr) {
      ec = boost::beast::http::error::need_buffer;
      return 0;
    }
    const std::size_t n = std::min(body.size(), body_.size);
    if (n > 0) {
      std::memcpy(body_.data, body.data(), n);
    }
    body_.data += n;
    body_.size -= n;
    if (n == body.size()) {
      ec = {};
    } else {
      ec = boost::beast::http::error::need_buffer;
    }
    return n;
  }

  Head& head_;
  Window body_;
};

}  // namespace lokku::router
