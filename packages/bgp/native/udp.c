/*
 * vipd UDP for BFD (RFC 5881 single hop, RFC 5883 multihop): what node:dgram cannot do.
 *   - send with TTL / hop limit 255 (RFC 5881 §5, RFC 5883 §5);
 *   - report the TTL / hop limit of each received datagram (IP_RECVTTL / IPV6_RECVHOPLIMIT + recvmsg),
 *     so single-hop sessions can drop packets that did not arrive with TTL 255 (RFC 5881 §5);
 *   - bind the source port inside 49152..65535 (RFC 5881 §4);
 *   - a blocking poll() with a timeout, so the BFD process can wait for packets or its next timer
 *     without an event loop (BFD timers must not wait behind route work on the main thread).
 * Plain C against N-API, built by build.sh together with sockopt.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include "napi-util.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * udpSocket(localAddress, port, ttl) → { fd, port }. port 0 picks a free source port in 49152..65535
 * (RFC 5881 §4); receive-TTL reporting is always on.
 */
static napi_value udp_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int port, ttl;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_storage ss;
  socklen_t len = 0;
  if (argc < 3 || !get_int(env, argv[1], &port) || !get_int(env, argv[2], &ttl) || port < 0 || port > 65535 || ttl < 1 || ttl > 255)
    return throw_type(env, "udpSocket(address, port 0..65535, ttl 1..255)");
  int fam = parse_addr(env, argv[0], port, &ss, &len);
  if (fam == 0) return throw_type(env, "address must be an IPv4 or IPv6 literal");
  int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1, rc;
  if (fam == AF_INET) {
    rc = setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    if (rc == 0) rc = setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  } else {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
    if (rc == 0) rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  }
  if (rc != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt(TTL)", err);
  }
  int bound = port;
  if (port != 0) {
    /* No SO_REUSEADDR: a second BFD listener on the same address and port would silently take half
     * of the datagrams; EADDRINUSE is the honest answer. */
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "bind", err);
    }
  } else {
    unsigned short start = 0;
    if (getrandom(&start, sizeof start, 0) != sizeof start) start = (unsigned short)getpid();
    int ok = 0;
    for (int i = 0; i < 16384 && !ok; i++) {
      bound = 49152 + (start + i) % 16384;
      if (fam == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)bound);
      else ((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)bound);
      if (bind(fd, (struct sockaddr *)&ss, len) == 0) ok = 1;
      else if (errno != EADDRINUSE) break;
    }
    if (!ok) {
      int err = errno;
      close(fd);
      return throw_errno(env, "bind(49152..65535)", err);
    }
  }
  napi_value out;
  napi_create_object(env, &out);
  set_int(env, out, "fd", fd);
  set_int(env, out, "port", bound);
  return out;
}

/* udpSend(fd, address, port, data: Buffer) → true when sent, false when the socket buffer is full. */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int fd, port;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_storage ss;
  socklen_t len = 0;
  bool isBuf = false;
  if (argc >= 4) napi_is_buffer(env, argv[3], &isBuf);
  if (argc < 4 || !get_int(env, argv[0], &fd) || !get_int(env, argv[2], &port) || !isBuf || port < 1 || port > 65535 ||
      parse_addr(env, argv[1], port, &ss, &len) == 0)
    return throw_type(env, "udpSend(fd, address, port, Buffer)");
  void *data;
  size_t n;
  napi_get_buffer_info(env, argv[3], &data, &n);
  ssize_t rc = sendto(fd, data, n, 0, (struct sockaddr *)&ss, len);
  if (rc < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENETUNREACH && errno != EHOSTUNREACH && errno != ECONNREFUSED && errno != EPERM)
    return throw_errno(env, "sendto", errno);
  napi_value out;
  napi_get_boolean(env, rc >= 0, &out);
  return out;
}

/* udpRecv(fd) → { data, address, port, ttl } or null when nothing is queued. ttl is -1 if unreported. */
static napi_value udp_recv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_int(env, argv[0], &fd)) return throw_type(env, "udpRecv(fd)");
  unsigned char buf[512];
  char cbuf[CMSG_SPACE(sizeof(int)) * 4];
  struct sockaddr_storage from;
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_name = &from;
  mh.msg_namelen = sizeof from;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = recvmsg(fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  napi_value out, v;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) {
      napi_get_null(env, &out);
      return out;
    }
    return throw_errno(env, "recvmsg", errno);
  }
  int ttl = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) || (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
      memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
  }
  char addr[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (from.ss_family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&from;
    inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
    port = ntohs(s4->sin_port);
  } else if (from.ss_family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&from;
    inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
    port = ntohs(s6->sin6_port);
  }
  void *copy;
  napi_create_object(env, &out);
  napi_create_buffer_copy(env, (size_t)n, buf, &copy, &v);
  napi_set_named_property(env, out, "data", v);
  napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "address", v);
  set_int(env, out, "port", port);
  set_int(env, out, "ttl", ttl);
  return out;
}

/* pollReadable(fds: number[], timeoutMs) → the fds with data (blocks the calling thread up to timeoutMs). */
static napi_value poll_readable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int timeout;
  uint32_t count = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_array_length(env, argv[0], &count) != napi_ok || !get_int(env, argv[1], &timeout) || count > 1024)
    return throw_type(env, "pollReadable(fds[], timeoutMs)");
  struct pollfd pfds[1024];
  for (uint32_t i = 0; i < count; i++) {
    napi_value e;
    int fd = -1;
    napi_get_element(env, argv[0], i, &e);
    napi_get_value_int32(env, e, &fd);
    pfds[i].fd = fd;
    pfds[i].events = POLLIN;
    pfds[i].revents = 0;
  }
  int rc;
  do rc = poll(pfds, count, timeout < 0 ? 0 : timeout);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return throw_errno(env, "poll", errno);
  napi_value out;
  napi_create_array(env, &out);
  uint32_t k = 0;
  for (uint32_t i = 0; i < count && rc > 0; i++) {
    if (pfds[i].revents != 0) {
      napi_value v;
      napi_create_int32(env, pfds[i].fd, &v);
      napi_set_element(env, out, k++, v);
    }
  }
  return out;
}

/*
 * raiseThreadPriority() → "rr" | "nice" | "none": makes the calling thread (the BFD process loop) win the CPU
 * over route work and other processes. SCHED_RR priority 10 when allowed (root / CAP_SYS_NICE), else
 * nice −10 for this thread only, else nothing. The loop sleeps in poll() almost all the time, so
 * this costs nothing; the kernel's RT throttling still bounds a runaway loop.
 */
static napi_value raise_thread_priority(napi_env env, napi_callback_info info) {
  (void)info;
  const char *got = "none";
  struct sched_param sp;
  memset(&sp, 0, sizeof sp);
  sp.sched_priority = 10;
  if (sched_setscheduler(0, SCHED_RR, &sp) == 0) got = "rr";
  else if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10) == 0) got = "nice";
  napi_value out;
  napi_create_string_utf8(env, got, NAPI_AUTO_LENGTH, &out);
  return out;
}

void udp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpSocket", NULL, udp_socket, NULL, NULL, NULL, napi_default, NULL},
      {"udpSend", NULL, udp_send, NULL, NULL, NULL, napi_default, NULL},
      {"udpRecv", NULL, udp_recv, NULL, NULL, NULL, napi_default, NULL},
      {"pollReadable", NULL, poll_readable, NULL, NULL, NULL, napi_default, NULL},
      {"raiseThreadPriority", NULL, raise_thread_priority, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
