/*
 * Helpers shared by the addon's C files (sockopt.c, udp.c): typed errors, int arguments and properties,
 * and IP literal parsing.
 * Plain C against N-API; included, not linked, so each file keeps its own static copy.
 */
#ifndef VIPD_NAPI_UTIL_H
#define VIPD_NAPI_UTIL_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Throws Error{code: 'ERR_SOCKOPT', errno} with "what: strerror". */
static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error, errnoVal;
  napi_create_string_utf8(env, "ERR_SOCKOPT", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &errnoVal);
  napi_set_named_property(env, error, "errno", errnoVal);
  napi_throw(env, error);
  return NULL;
}

/* Throws TypeError{code: 'ERR_INVALID_ARG'} with the call's expected signature. */
static inline napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", msg);
  return NULL;
}

static inline int get_int(napi_env env, napi_value v, int *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static inline void set_int(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* Parses an IPv4 or IPv6 literal (and a port) into a sockaddr_storage; returns the family or 0. */
static int parse_addr(napi_env env, napi_value v, int port, struct sockaddr_storage *ss, socklen_t *len) {
  char buf[INET6_ADDRSTRLEN + 1];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &n) != napi_ok) return 0;
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((unsigned short)port);
    *len = sizeof *s4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((unsigned short)port);
    *len = sizeof *s6;
    return AF_INET6;
  }
  return 0;
}
#endif
