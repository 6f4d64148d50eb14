/*
 * vipd socket options: what node:net cannot set on a TCP socket.
 *   - TCP-MD5 signatures (RFC 2385) per peer address via TCP_MD5SIG / TCP_MD5SIG_EXT (prefix form for
 *     listening sockets), IPv4 and IPv6;
 *   - TTL / hop limit on send (GTSM RFC 5082 sends 255; eBGP multihop sets the hop count);
 *   - minimum TTL / hop count on receive (IP_MINTTL, IPV6_MINHOPCOUNT) for GTSM;
 *   - TCP-AO (RFC 5925) detection, so the daemon can say clearly that it is unavailable.
 * The daemon creates the socket here (socket(2), options, optional bind) and hands the descriptor to
 * node:net, which connects or listens on it: options are in place before the first SYN.
 * Keys are copied into the kernel and never kept, logged or returned.
 * Plain C against N-API (ABI-stable): built with gcc, no node-gyp, no downloaded headers.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include "napi-util.h"
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_AO_ADD_KEY
#define TCP_AO_ADD_KEY 38
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

/* createTcpSocket(family: 4 | 6) → fd (non-blocking, close-on-exec). */
static napi_value create_tcp_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int family;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_int(env, argv[0], &family) || (family != 4 && family != 6)) return throw_type(env, "family must be 4 or 6");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (family == 6) {
    int one = 1; /* an IPv6 listener must not also take IPv4-mapped peers; keys are per family */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/*
 * setMd5Key(fd, peerAddress, key: Buffer | null, prefixLength?: number)
 * RFC 2385 keys are installed per peer; an empty/null key removes it. With a prefix length the key
 * covers a whole range (TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX), for listening sockets.
 */
static napi_value set_md5_key(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !get_int(env, argv[0], &fd)) return throw_type(env, "setMd5Key(fd, address, key, prefixLength?)");
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  socklen_t alen = 0;
  if (!parse_addr(env, argv[1], 0, &sig.tcpm_addr, &alen)) return throw_type(env, "address must be an IPv4 or IPv6 literal");
  napi_valuetype t;
  napi_typeof(env, argv[2], &t);
  if (t != napi_null && t != napi_undefined) {
    bool isBuf = false;
    napi_is_buffer(env, argv[2], &isBuf);
    if (!isBuf) return throw_type(env, "key must be a Buffer or null");
    void *data;
    size_t len;
    napi_get_buffer_info(env, argv[2], &data, &len);
    if (len > TCP_MD5SIG_MAXKEYLEN) return throw_type(env, "key longer than 80 bytes");
    memcpy(sig.tcpm_key, data, len);
    sig.tcpm_keylen = (unsigned short)len;
  }
  int opt = TCP_MD5SIG;
  if (argc >= 4) {
    napi_typeof(env, argv[3], &t);
    if (t == napi_number) {
      int plen;
      get_int(env, argv[3], &plen);
      int maxlen = sig.tcpm_addr.ss_family == AF_INET ? 32 : 128;
      if (plen < 0 || plen > maxlen) return throw_type(env, "bad prefix length");
      sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
      sig.tcpm_prefixlen = (unsigned char)plen;
      opt = TCP_MD5SIG_EXT;
    }
  }
  if (setsockopt(fd, IPPROTO_TCP, opt, &sig, sizeof sig) != 0) {
    int err = errno;
    memset(&sig, 0, sizeof sig);
    return throw_errno(env, "setsockopt(TCP_MD5SIG)", err);
  }
  memset(&sig, 0, sizeof sig); /* don't leave the key on the stack */
  return NULL;
}

/* setTtl(fd, family, ttl): IP_TTL or IPV6_UNICAST_HOPS on send (1..255). */
static napi_value set_ttl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int fd, family, ttl;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &family) || !get_int(env, argv[2], &ttl) || ttl < 1 || ttl > 255)
    return throw_type(env, "setTtl(fd, 4|6, 1..255)");
  int rc = family == 4 ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  if (rc != 0) return throw_errno(env, family == 4 ? "setsockopt(IP_TTL)" : "setsockopt(IPV6_UNICAST_HOPS)", errno);
  return NULL;
}

/* setMinTtl(fd, family, minTtl): drop segments arriving with a lower TTL / hop limit (GTSM). */
static napi_value set_min_ttl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int fd, family, ttl;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &family) || !get_int(env, argv[2], &ttl) || ttl < 0 || ttl > 255)
    return throw_type(env, "setMinTtl(fd, 4|6, 0..255)");
  int rc = family == 4 ? setsockopt(fd, IPPROTO_IP, IP_MINTTL, &ttl, sizeof ttl) : setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &ttl, sizeof ttl);
  if (rc != 0) return throw_errno(env, family == 4 ? "setsockopt(IP_MINTTL)" : "setsockopt(IPV6_MINHOPCOUNT)", errno);
  return NULL;
}

/* bindAddress(fd, address, port): bind before connect (source address) or before listen. */
static napi_value bind_address(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int fd, port;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_storage ss;
  socklen_t len = 0;
  if (argc < 3 || !get_int(env, argv[0], &fd) || !get_int(env, argv[2], &port) || port < 0 || port > 65535)
    return throw_type(env, "bindAddress(fd, address, port)");
  if (parse_addr(env, argv[1], port, &ss, &len) == 0) return throw_type(env, "address must be an IPv4 or IPv6 literal");
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return throw_errno(env, "bind", errno);
  return NULL;
}

/* closeFd(fd): for error paths before node:net owns the descriptor. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1 && get_int(env, argv[0], &fd) && fd > 2) close(fd);
  return NULL;
}

/* tcpAoAvailable(): whether the kernel knows TCP_AO_ADD_KEY (RFC 5925); probed on a throwaway socket. */
static napi_value tcp_ao_available(napi_env env, napi_callback_info info) {
  (void)info;
  bool ok = false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    char junk[512];
    memset(junk, 0, sizeof junk);
    int rc = setsockopt(fd, IPPROTO_TCP, TCP_AO_ADD_KEY, junk, sizeof junk);
    /* ENOPROTOOPT: no TCP-AO in this kernel. Any other answer (EINVAL for our empty key) means it exists. */
    ok = !(rc != 0 && errno == ENOPROTOOPT);
    close(fd);
  }
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

void udp_register(napi_env env, napi_value exports); /* udp.c: BFD datagrams */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createTcpSocket", NULL, create_tcp_socket, NULL, NULL, NULL, napi_default, NULL},
      {"setMd5Key", NULL, set_md5_key, NULL, NULL, NULL, napi_default, NULL},
      {"setTtl", NULL, set_ttl, NULL, NULL, NULL, napi_default, NULL},
      {"setMinTtl", NULL, set_min_ttl, NULL, NULL, NULL, napi_default, NULL},
      {"bindAddress", NULL, bind_address, NULL, NULL, NULL, napi_default, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
      {"tcpAoAvailable", NULL, tcp_ao_available, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  udp_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
