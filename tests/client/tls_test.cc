// HttpConnection over https:// against an in-test TLS server (Asio SSL on
// 127.0.0.1) with a self-signed certificate made at test time: keep-alive
// over TLS, verification against a CA file (and its host-name check), the
// default trust store refusing the unknown issuer, and --insecure.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "client/http_connection.h"

namespace nsw::client {
namespace {

namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

struct Pem {
  std::string cert;
  std::string key;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// A self-signed P-256 certificate for `subject_alt_names` ("IP:127.0.0.1").
Pem MakeSelfSigned(const char* subject_alt_names) {
  Pem pem;
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("nswsim test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subject_alt_names);
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, pkey, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  pem.cert = BioText(cert_bio);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  pem.key = BioText(key_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return pem;
}

// Answers every request on a keep-alive TLS connection with "hello".
class TlsServer {
 public:
  TlsServer(boost::asio::io_context& io, const Pem& pem) : io_(io), context_(ssl::context::tls_server), acceptor_(io) {
    context_.use_certificate_chain(boost::asio::buffer(pem.cert));
    context_.use_private_key(boost::asio::buffer(pem.key), ssl::context::pem);
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  struct Conn {
    Conn(boost::asio::io_context& io, ssl::context& ctx) : stream(io, ctx) {}
    ssl::stream<tcp::socket> stream;
    boost::asio::streambuf in;
    std::string out = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  };

  void Accept() {
    auto conn = std::make_shared<Conn>(io_, context_);
    acceptor_.async_accept(conn->stream.next_layer(), [this, conn](boost::system::error_code ec) {
      if (ec) return;
      ++accepted_;
      conn->stream.async_handshake(ssl::stream_base::server, [this, conn](boost::system::error_code ec) {
        if (!ec) Read(conn);
      });
      Accept();
    });
  }

  void Read(std::shared_ptr<Conn> conn) {
    boost::asio::async_read_until(conn->stream, conn->in, "\r\n\r\n",
                                  [this, conn](boost::system::error_code ec, std::size_t n) {
                                    if (ec) return;
                                    conn->in.consume(n);
                                    boost::asio::async_write(conn->stream, boost::asio::buffer(conn->out),
                                                             [this, conn](boost::system::error_code ec, std::size_t) {
                                                               if (!ec) Read(conn);
                                                             });
                                  });
  }

  boost::asio::io_context& io_;
  ssl::context context_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  int accepted_ = 0;
};

class TlsTest : public ::testing::Test {
 protected:
  void Start(const char* subject_alt_names) {
    pem_ = MakeSelfSigned(subject_alt_names);
    server_ = std::make_unique<TlsServer>(io_, pem_);
    char tmpl[] = "/tmp/nsw_tls_testXXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ca_file_ = dir_ + "/ca.pem";
    std::ofstream(ca_file_) << pem_.cert;
    ASSERT_TRUE(ParseUrl("https://127.0.0.1:" + std::to_string(server_->port()) + "/x", &url_).ok());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  HttpResult Get(HttpConnection& conn, std::string* body) {
    std::optional<HttpResult> result;
    conn.Send(HttpRequest{}, [&](const HttpResult& r) {
      result = r;
      *body = std::string(r.body);
    });
    auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!result && std::chrono::steady_clock::now() < guard) io_.run_one_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(result.has_value());
    return result.value_or(HttpResult{});
  }

  boost::asio::io_context io_;
  Pem pem_;
  std::unique_ptr<TlsServer> server_;
  std::string dir_, ca_file_;
  Url url_;
};

TEST_F(TlsTest, VerifiedAgainstACaFileWithKeepAlive) {
  Start("IP:127.0.0.1");
  ConnectionOptions options;
  options.tls_ca_file = ca_file_;
  HttpConnection conn(io_, url_, options);
  for (int i = 0; i < 3; ++i) {
    std::string body;
    HttpResult r = Get(conn, &body);
    ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(body, "hello");
  }
  EXPECT_EQ(conn.connects(), 1u);
  EXPECT_EQ(server_->accepted(), 1);
}

TEST_F(TlsTest, UnknownIssuerIsRefusedAsAConnectError) {
  Start("IP:127.0.0.1");
  HttpConnection conn(io_, url_);  // system trust store only
  std::string body;
  HttpResult r = Get(conn, &body);
  EXPECT_EQ(r.error, ErrorClass::kConnect) << r.error_message;
  EXPECT_NE(r.error_message.find("TLS handshake"), std::string::npos) << r.error_message;
}

TEST_F(TlsTest, HostNameMismatchIsRefused) {
  Start("DNS:elsewhere.example");
  ConnectionOptions options;
  options.tls_ca_file = ca_file_;
  HttpConnection conn(io_, url_, options);
  std::string body;
  HttpResult r = Get(conn, &body);
  EXPECT_EQ(r.error, ErrorClass::kConnect) << r.error_message;
}

TEST_F(TlsTest, InsecureSkipsVerification) {
  Start("DNS:elsewhere.example");
  ConnectionOptions options;
  options.tls_verify = false;
  HttpConnection conn(io_, url_, options);
  std::string body;
  HttpResult r = Get(conn, &body);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(body, "hello");
}

TEST_F(TlsTest, MissingCaFileFailsTheFirstSend) {
  Start("IP:127.0.0.1");
  ConnectionOptions options;
  options.tls_ca_file = dir_ + "/absent.pem";
  HttpConnection conn(io_, url_, options);
  std::string body;
  HttpResult r = Get(conn, &body);
  EXPECT_EQ(r.error, ErrorClass::kConnect);
  EXPECT_NE(r.error_message.find("TLS setup"), std::string::npos) << r.error_message;
  EXPECT_EQ(server_->accepted(), 0);
}

}  // namespace
}  // namespace nsw::client
