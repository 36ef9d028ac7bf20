// Content negotiation and codecs: Content-Type classification, Accept with
// q-values and wildcards, strict JSON, protobuf round trips.
#include "server/http/media.h"

#include <gtest/gtest.h>

#include "proto/nsw.pb.h"

namespace nsw::http {
namespace {

TEST(MediaTest, ContentTypeIsClassifiedByMediaTypeOnly) {
  Encoding e;
  ASSERT_TRUE(ParseContentType("application/json", &e));
  EXPECT_EQ(e, Encoding::kJson);
  ASSERT_TRUE(ParseContentType("Application/JSON; charset=utf-8", &e));
  EXPECT_EQ(e, Encoding::kJson);
  ASSERT_TRUE(ParseContentType("application/x-protobuf", &e));
  EXPECT_EQ(e, Encoding::kProtobuf);
  ASSERT_TRUE(ParseContentType(" application/protobuf ;proto=nsw.SubmitRequest", &e));
  EXPECT_EQ(e, Encoding::kProtobuf);
  EXPECT_FALSE(ParseContentType("", &e));
  EXPECT_FALSE(ParseContentType("text/plain", &e));
  EXPECT_FALSE(ParseContentType("application/jsonx", &e));
  EXPECT_FALSE(ParseContentType("application/*", &e));
}

Encoding Negotiated(std::string_view accept, Encoding preferred) {
  Encoding e = preferred == Encoding::kJson ? Encoding::kProtobuf : Encoding::kJson;  // must be overwritten
  EXPECT_TRUE(NegotiateReply(accept, preferred, &e)) << accept;
  return e;
}

TEST(MediaTest, AcceptPicksTheHighestQualityAndExplicitBeatsWildcard) {
  EXPECT_EQ(Negotiated("", Encoding::kProtobuf), Encoding::kProtobuf);
  EXPECT_EQ(Negotiated("*/*", Encoding::kJson), Encoding::kJson);
  EXPECT_EQ(Negotiated("application/*", Encoding::kProtobuf), Encoding::kProtobuf);
  EXPECT_EQ(Negotiated("application/json", Encoding::kProtobuf), Encoding::kJson);
  EXPECT_EQ(Negotiated("application/x-protobuf", Encoding::kJson), Encoding::kProtobuf);
  EXPECT_EQ(Negotiated("application/json;q=0.5, application/x-protobuf", Encoding::kJson), Encoding::kProtobuf);
  EXPECT_EQ(Negotiated("application/json, */*;q=0.1", Encoding::kProtobuf), Encoding::kJson);
  EXPECT_EQ(Negotiated("text/html,application/xhtml+xml,*/*;q=0.8", Encoding::kJson), Encoding::kJson);
  // Equal q, both explicit: the preferred one.
  EXPECT_EQ(Negotiated("application/x-protobuf, application/json", Encoding::kJson), Encoding::kJson);
  // Explicit exclusion beats a wildcard.
  EXPECT_EQ(Negotiated("*/*, application/json;q=0", Encoding::kJson), Encoding::kProtobuf);
  // A range whose q cannot be read says nothing.
  EXPECT_EQ(Negotiated("application/json;q=2, application/x-protobuf;q=0.1", Encoding::kJson), Encoding::kProtobuf);
}

TEST(MediaTest, AcceptWithNothingUsableIsRefused) {
  Encoding e;
  EXPECT_FALSE(NegotiateReply("text/html", Encoding::kJson, &e));
  EXPECT_FALSE(NegotiateReply("application/json;q=0, application/x-protobuf;q=0", Encoding::kJson, &e));
  EXPECT_FALSE(NegotiateReply("*/*;q=0", Encoding::kJson, &e));
}

TEST(MediaTest, MessagesRoundTripInBothEncodings) {
  SubmitRequest request;
  request.set_procedure("MOIT.CO-FORM-D");
  request.set_client_ref("ref");
  request.set_payload(std::string("\0\xff", 2));
  request.set_submitted_at_us(1'700'000'000'000'000);
  for (Encoding e : {Encoding::kProtobuf, Encoding::kJson}) {
    std::string body;
    ASSERT_TRUE(EncodeMessage(request, e, &body).ok());
    SubmitRequest back;
    Status s = DecodeMessage(body, e, &back);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(back.SerializeAsString(), request.SerializeAsString()) << EncodingName(e);
  }
}

TEST(MediaTest, JsonRepliesShowDefaultsAndJsonRequestsAreStrict) {
  SubmitReply reply;
  std::string json;
  ASSERT_TRUE(EncodeMessage(reply, Encoding::kJson, &json).ok());
  EXPECT_NE(json.find("\"dossierId\""), std::string::npos) << json;

  SubmitRequest request;
  EXPECT_TRUE(DecodeMessage(R"({"procedure":"A.B","client_ref":"x"})", Encoding::kJson, &request).ok());
  EXPECT_EQ(request.client_ref(), "x");
  Status s = DecodeMessage(R"({"procedure":"A.B","clientReff":"x"})", Encoding::kJson, &request);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("nsw.SubmitRequest"), std::string::npos) << s.message();
  EXPECT_FALSE(DecodeMessage("\x0a\xff", Encoding::kProtobuf, &request).ok());
}

}  // namespace
}  // namespace nsw::http
