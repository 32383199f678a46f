// What `test-alert` shows of a receiver's answer: one line, cut, without control characters or
// secrets this process knows.

#include "sinks/receiver_answer.hpp"
#include "common/secret_scrub.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::sinks {
namespace {

TEST(answer_excerpt, is_the_first_non_blank_line_trimmed) {
  EXPECT_EQ(answer_excerpt("ok\n"), "ok");
  EXPECT_EQ(answer_excerpt("\r\n  \n  accepted: 1 \r\nsecond line\n"), "accepted: 1");
  EXPECT_EQ(answer_excerpt("{\"ok\":true}"), "{\"ok\":true}");
  EXPECT_EQ(answer_excerpt(""), "");
  EXPECT_EQ(answer_excerpt("\n\r\n \t\n"), "");
}

TEST(answer_excerpt, escapes_control_characters_so_no_line_can_be_forged) {
  const auto line = answer_excerpt(std::string("bad\x1b[31m\tthing\x00zero", 21));
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line.find('\t'), std::string::npos) << line;
  EXPECT_EQ(line.find('\0'), std::string::npos) << line;
  EXPECT_EQ(line.rfind("bad", 0), 0u) << line;
}

TEST(answer_excerpt, is_cut_on_a_code_point_boundary_and_valid_utf8) {
  std::string body;
  for (int i = 0; i < 300; ++i) {
    body += "\xc3\xa9";  // é
  }
  const auto line = answer_excerpt(body, 101);
  EXPECT_LE(line.size(), 101u + std::string("\xe2\x80\xa6").size());
  EXPECT_EQ(line.substr(line.size() - 3), "\xe2\x80\xa6") << "marked as cut";
  EXPECT_EQ(line.substr(0, 100), body.substr(0, 100));
  EXPECT_EQ(answer_excerpt("\xff\xfe ok"), "\xef\xbf\xbd\xef\xbf\xbd ok");
}

TEST(answer_excerpt, removes_a_secret_the_receiver_echoes_back_even_where_the_cut_falls) {
  const std::string secret = "receiver-echo-secret-0123456789";
  register_secret(secret);
  const auto line = answer_excerpt("bad token " + secret + " in the query", 20);
  EXPECT_EQ(line.find("receiver-echo"), std::string::npos) << line;
  EXPECT_NE(line.find("[redacted]"), std::string::npos) << line;
  EXPECT_EQ(answer_excerpt("Authorization: Bearer abc.def.ghi-1234567890").find("abc.def"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::sinks
