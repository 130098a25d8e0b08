/*
 * The C ABI, tested from C against the test issuer (`m2mauth issuer`).
 *
 *   test_m2mauth ISSUER_URL VECTORS_DIR [all|leaks] [KEYS_DIR]
 *
 * `all` runs every test; `leaks` runs the create/get/free cycles, threads
 * and error paths only (it is what runs under valgrind). Prints one line
 * per failure and a closing "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m2mauth.h"

static int passed, failed;
static char issuer[256];
static int issuer_port;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (cond) {                                            \
      passed++;                                            \
    } else {                                               \
      failed++;                                            \
      printf("FAIL %s:%d: ", __func__, __LINE__);          \
      printf(__VA_ARGS__);                                 \
      printf("\n");                                        \
    }                                                      \
  } while (0)

/* ---- a minimal HTTP/1.1 client for the issuer's admin API --------------- */

static char *http(const char *method, const char *path, const char *body) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)issuer_port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return NULL;
  }
  size_t body_len = body ? strlen(body) : 0;
  char head[512];
  int head_len = snprintf(head, sizeof head,
                          "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                          method, path, body_len);
  if (write(fd, head, (size_t)head_len) != head_len ||
      (body_len && write(fd, body, body_len) != (ssize_t)body_len)) {
    close(fd);
    return NULL;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  ssize_t n;
  while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
    len += (size_t)n;
    if (cap - len < 1024) buf = realloc(buf, cap *= 2);
  }
  close(fd);
  buf[len] = '\0';
  char *start = strstr(buf, "\r\n\r\n");
  char *out = strdup(start ? start + 4 : "");
  free(buf);
  return out;
}

static void admin(const char *path, const char *body) { free(http("POST", path, body)); }

static long token_requests(void) {
  char *stats = http("GET", "/_testkit/stats", NULL);
  char *at = stats ? strstr(stats, "\"token_requests\":") : NULL;
  long n = at ? strtol(at + strlen("\"token_requests\":"), NULL, 10) : -1;
  free(stats);
  return n;
}

static char *config(const char *extra) {
  char *json = malloc(1024);
  snprintf(json, 1024,
           "{\"token_url\":\"%s/oauth2/token\",\"client_id\":\"test-client\","
           "\"client_secret\":\"test-secret\"%s}",
           issuer, extra ? extra : "");
  return json;
}

static m2m_source *new_source(const char *extra) {
  char *json = config(extra);
  m2m_source *src = NULL;
  m2m_error *err = NULL;
  m2m_code code = m2m_source_new(json, &src, &err);
  free(json);
  if (code != M2M_OK) {
    printf("cannot create a source: %s\n", m2m_error_message(err));
    m2m_error_free(err);
  }
  return src;
}

/* ---- the outcome line of the vector format ------------------------------ */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void token_line(const m2m_token *t, char *out, size_t cap) {
  char scopes[512] = "";
  for (size_t i = 0; i < m2m_token_scope_count(t); i++) {
    if (i) strncat(scopes, ",", sizeof scopes - strlen(scopes) - 1);
    strncat(scopes, m2m_token_scope(t, i), sizeof scopes - strlen(scopes) - 1);
  }
  long long left = llround((double)(m2m_token_expires_at_ms(t) - now_ms()) / 1000.0);
  snprintf(out, cap, "token token_type=%s expires_in=%lld scopes=%s access_token=%s",
           m2m_token_type(t), left, scopes, m2m_token_value(t));
}

static void error_line(const m2m_error *e, char *out, size_t cap) {
  size_t n = (size_t)snprintf(out, cap, "error code=%s", m2m_error_name(e));
  if (m2m_error_http_status(e) > 0) n += (size_t)snprintf(out + n, cap - n, " status=%d", m2m_error_http_status(e));
  if (m2m_error_oauth_error(e)) n += (size_t)snprintf(out + n, cap - n, " oauth_error=%s", m2m_error_oauth_error(e));
  if (m2m_error_retry_after_ms(e) >= 0)
    n += (size_t)snprintf(out + n, cap - n, " retry_after=%lld", (long long)(m2m_error_retry_after_ms(e) / 1000));
  if (m2m_error_field(e)) n += (size_t)snprintf(out + n, cap - n, " field=%s", m2m_error_field(e));
  if (m2m_error_description(e)) snprintf(out + n, cap - n, " description=%s", m2m_error_description(e));
}

/* ---- tests --------------------------------------------------------------- */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  size_t got = fread(text, 1, (size_t)size, f);
  text[got] = '\0';
  fclose(f);
  return text;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every shared conformance vector, through the public C API. */
static void test_vectors(const char *dir) {
  DIR *d = opendir(dir);
  CHECK(d != NULL, "cannot open %s", dir);
  if (!d) return;
  char *names[256];
  int count = 0;
  struct dirent *entry;
  while ((entry = readdir(d)) && count < 256)
    if (strstr(entry->d_name, ".json")) names[count++] = strdup(entry->d_name);
  closedir(d);
  qsort(names, (size_t)count, sizeof *names, by_name);
  CHECK(count >= 40, "only %d vectors", count);
  for (int i = 0; i < count; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    char *vector = read_file(path);
    char *armed = vector ? http("POST", "/_testkit/vector", vector) : NULL;
    char *newline = armed ? strchr(armed, '\n') : NULL;
    if (!newline) {
      CHECK(0, "%s: the issuer did not arm it", names[i]);
    } else {
      *newline = '\0'; /* the first line is the configuration */
      char line[2048];
      m2m_source *src = NULL;
      m2m_token *tok = NULL;
      m2m_error *err = NULL;
      if (m2m_source_new(armed, &src, &err) != M2M_OK) {
        error_line(err, line, sizeof line);
      } else if (m2m_source_token(src, &tok, &err) != M2M_OK) {
        error_line(err, line, sizeof line);
      } else {
        token_line(tok, line, sizeof line);
      }
      char *verdict = http("POST", "/_testkit/outcome", line);
      CHECK(verdict && strcmp(verdict, "ok") == 0, "%s", verdict ? verdict : "no verdict");
      free(verdict);
      m2m_token_free(tok);
      m2m_error_free(err);
      m2m_source_free(src);
    }
    free(armed);
    free(vector);
    free(names[i]);
  }
  admin("/_testkit/reset", NULL);
}

static void test_fetch_and_cache(void) {
  admin("/_testkit/reset", NULL);
  m2m_source *src = new_source(",\"scopes\":[\"read\",\"write\"]");
  m2m_token *a = NULL, *b = NULL;
  CHECK(m2m_source_token(src, &a, NULL) == M2M_OK, "first token");
  CHECK(m2m_source_token(src, &b, NULL) == M2M_OK, "second token");
  CHECK(a && b && strcmp(m2m_token_value(a), m2m_token_value(b)) == 0, "the second is the cached first");
  CHECK(token_requests() == 1, "one request, got %ld", token_requests());
  CHECK(a && strcmp(m2m_token_type(a), "Bearer") == 0, "Bearer");
  CHECK(a && m2m_token_scope_count(a) == 2 && strcmp(m2m_token_scope(a, 1), "write") == 0, "scopes");
  CHECK(a && m2m_token_scope(a, 2) == NULL, "out-of-range scope is NULL");
  CHECK(a && strncmp(m2m_token_authorization_header(a), "Bearer ey", 9) == 0, "header");
  long long left = a ? m2m_token_expires_at_ms(a) - now_ms() : 0;
  CHECK(left > 3500000 && left <= 3600000, "expires in about an hour: %lld ms", left);
  char *header = NULL;
  CHECK(m2m_source_authorization_header(src, &header, NULL) == M2M_OK && header && strncmp(header, "Bearer ", 7) == 0, "header");
  m2m_string_free(header);
  m2m_stats stats = {0};
  CHECK(m2m_source_stats(src, &stats, NULL) == M2M_OK && stats.fetches == 1 && stats.cache_hits >= 1, "stats: %llu fetches",
        (unsigned long long)stats.fetches);
  m2m_error *last = (m2m_error *)1;
  CHECK(m2m_source_last_error(src, &last, NULL) == M2M_OK && last == NULL, "no failure yet");
  m2m_token *cached = NULL;
  CHECK(m2m_source_cached_token(src, &cached, NULL) == M2M_OK && cached != NULL, "a cached token");
  bool dropped = false;
  CHECK(m2m_source_invalidate(src, cached, &dropped, NULL) == M2M_OK && dropped, "invalidated");
  CHECK(m2m_source_invalidate(src, cached, &dropped, NULL) == M2M_OK && !dropped, "only once");
  m2m_token_free(cached);
  cached = (m2m_token *)1; /* must become NULL: nothing cached now */
  CHECK(m2m_source_cached_token(src, &cached, NULL) == M2M_OK && cached == NULL, "nothing cached after invalidate");
  m2m_token_free(a);
  m2m_token_free(b);
  m2m_source_free(src);
}

struct shared_source {
  m2m_source *src;
  m2m_code code;
};

static void *call_token(void *arg) {
  struct shared_source *s = arg;
  m2m_token *tok = NULL;
  s->code = m2m_source_token(s->src, &tok, NULL);
  m2m_token_free(tok);
  return NULL;
}

static void test_threads_share_one_request(int threads) {
  admin("/_testkit/reset", NULL);
  admin("/_testkit/latency", "{\"ms\":200}");
  m2m_source *src = new_source(NULL);
  pthread_t ids[64];
  struct shared_source calls[64];
  for (int i = 0; i < threads; i++) {
    calls[i].src = src;
    pthread_create(&ids[i], NULL, call_token, &calls[i]);
  }
  int ok = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    ok += calls[i].code == M2M_OK;
  }
  CHECK(ok == threads, "%d of %d threads got a token", ok, threads);
  CHECK(token_requests() == 1, "%d threads, one request: got %ld", threads, token_requests());
  admin("/_testkit/latency", "{\"ms\":0}");
  m2m_source_free(src);
}

static void test_invalid_client(void) {
  admin("/_testkit/reset", NULL);
  char json[512];
  snprintf(json, sizeof json,
           "{\"token_url\":\"%s/oauth2/token\",\"client_id\":\"test-client\",\"client_secret\":\"wrong-secret\"}", issuer);
  m2m_source *src = NULL;
  m2m_error *err = NULL;
  m2m_token *tok = NULL;
  CHECK(m2m_source_new(json, &src, NULL) == M2M_OK, "source");
  CHECK(m2m_source_token(src, &tok, &err) == M2M_INVALID_CLIENT, "invalid_client");
  CHECK(tok == NULL, "out-parameter untouched on failure");
  CHECK(m2m_error_code(err) == M2M_INVALID_CLIENT && strcmp(m2m_error_name(err), "invalid_client") == 0, "code and name");
  CHECK(strcmp(m2m_error_family(err), "refused") == 0, "family %s", m2m_error_family(err));
  CHECK(m2m_error_http_status(err) == 401, "status 401");
  CHECK(m2m_error_description(err) && strcmp(m2m_error_description(err), "client authentication failed") == 0, "description");
  CHECK(!strstr(m2m_error_message(err), "wrong-secret"), "no secret in %s", m2m_error_message(err));
  m2m_error_free(err);
  m2m_source_free(src);
}

static void test_timeout(void) {
  admin("/_testkit/reset", NULL);
  admin("/_testkit/fault", "{\"hang\":true}");
  m2m_source *src = new_source(",\"timeout\":0.3");
  m2m_error *err = NULL;
  m2m_token *tok = NULL;
  CHECK(m2m_source_token(src, &tok, &err) == M2M_TIMEOUT, "timeout");
  CHECK(err && strstr(m2m_error_message(err), "timed out after 300 ms"), "message %s", err ? m2m_error_message(err) : "");
  m2m_error_free(err);
  m2m_source_free(src);
  admin("/_testkit/reset", NULL);
}

static void test_bad_arguments(void) {
  m2m_source *src = NULL;
  m2m_error *err = NULL;
  CHECK(m2m_source_new("{not json", &src, &err) == M2M_CONFIG && src == NULL, "invalid JSON is a config error");
  CHECK(err && strcmp(m2m_error_field(err), "config") == 0, "names the config");
  m2m_error_free(err);
  err = NULL;
  CHECK(m2m_source_new("{\"client_id\":\"x\",\"client_secret\":\"y\"}", &src, &err) == M2M_CONFIG, "missing token_url");
  CHECK(err && strcmp(m2m_error_field(err), "token_url") == 0, "names token_url");
  m2m_error_free(err);
  err = NULL;
  CHECK(m2m_source_new(NULL, &src, &err) == M2M_NULL_ARGUMENT, "NULL config");
  CHECK(err && strstr(m2m_error_message(err), "config_json is NULL"), "names the argument");
  m2m_error_free(err);
  char json[] = "{\"client_id\":\"\xff\xfe\"}";
  CHECK(m2m_source_new(json, &src, NULL) == M2M_INVALID_UTF8, "invalid UTF-8");
  CHECK(m2m_source_new("{}", NULL, NULL) == M2M_NULL_ARGUMENT, "NULL out");
  CHECK(m2m_source_token(NULL, NULL, NULL) == M2M_NULL_ARGUMENT, "NULL source");
  CHECK(m2m_source_token_async(NULL, NULL, NULL, NULL) == M2M_NULL_ARGUMENT, "NULL source, async");
  CHECK(m2m_source_invalidate(NULL, NULL, NULL, NULL) == M2M_NULL_ARGUMENT, "NULL invalidate");
  CHECK(m2m_error_message(NULL) == NULL && m2m_error_code(NULL) == M2M_NULL_ARGUMENT, "NULL error accessors");
  CHECK(m2m_token_value(NULL) == NULL && m2m_token_scope_count(NULL) == 0 && m2m_token_expires_at_ms(NULL) == 0, "NULL token accessors");
  m2m_source_free(NULL);
  m2m_token_free(NULL);
  m2m_error_free(NULL);
  m2m_string_free(NULL);
  CHECK(m2m_abi_version() == M2M_ABI_VERSION, "ABI version");
  CHECK(strlen(m2m_version()) > 0, "version");
}

struct waiter {
  pthread_mutex_t lock;
  pthread_cond_t done;
  int finished;
  m2m_code code;
  int had_token;
  pthread_t thread;
};

static void on_token(void *user_data, m2m_code code, m2m_token *token, m2m_error *error) {
  struct waiter *w = user_data;
  pthread_mutex_lock(&w->lock);
  w->code = code;
  w->had_token = token != NULL && error == NULL;
  w->thread = pthread_self();
  w->finished = 1;
  pthread_cond_signal(&w->done);
  pthread_mutex_unlock(&w->lock);
  m2m_token_free(token);
  m2m_error_free(error);
}

static void test_async_callback(void) {
  admin("/_testkit/reset", NULL);
  m2m_source *src = new_source(NULL);
  for (int round = 0; round < 2; round++) { /* cold, then cached */
    struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, M2M_INTERNAL, 0, pthread_self()};
    CHECK(m2m_source_token_async(src, on_token, &w, NULL) == M2M_OK, "started");
    pthread_mutex_lock(&w.lock);
    while (!w.finished) pthread_cond_wait(&w.done, &w.lock);
    pthread_mutex_unlock(&w.lock);
    CHECK(w.code == M2M_OK && w.had_token, "round %d: a token", round);
    CHECK(!pthread_equal(w.thread, pthread_self()), "round %d: called back on a library thread", round);
  }
  CHECK(token_requests() == 1, "one request for both");
  m2m_source_free(src);
}

/* A callback that blocks on another, cold source: callbacks run off the
 * library's IO thread, so the nested fetch completes instead of hanging. */
struct nested {
  struct waiter w;
  m2m_source *cold;
  m2m_code nested_code;
};

static void on_token_then_block(void *user_data, m2m_code code, m2m_token *token, m2m_error *error) {
  struct nested *n = user_data;
  m2m_token *inner = NULL;
  n->nested_code = m2m_source_token(n->cold, &inner, NULL);
  m2m_token_free(inner);
  on_token(&n->w, code, token, error);
}

static void test_callback_may_block(void) {
  admin("/_testkit/reset", NULL);
  m2m_source *warm = new_source(NULL);
  struct nested n = {{PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, M2M_INTERNAL, 0, pthread_self()},
                     new_source(",\"scopes\":[\"nested\"]"), M2M_INTERNAL};
  CHECK(m2m_source_token_async(warm, on_token_then_block, &n, NULL) == M2M_OK, "started");
  pthread_mutex_lock(&n.w.lock);
  while (!n.w.finished) pthread_cond_wait(&n.w.done, &n.w.lock);
  pthread_mutex_unlock(&n.w.lock);
  CHECK(n.w.code == M2M_OK && n.nested_code == M2M_OK, "a blocking fetch inside a callback completes: %u", n.nested_code);
  m2m_source_free(n.cold);
  m2m_source_free(warm);
}

/* ---- the verifier -------------------------------------------------------- */

/* A JWT signed by the issuer (or, forged, by a key it never published). */
static char *mint(const char *claims_extra, const char *how) {
  char body[1024];
  snprintf(body, sizeof body,
           "{\"claims\":{\"iss\":\"%s\",\"aud\":\"https://api.test\",\"exp\":%lld,"
           "\"sub\":\"svc\",\"scope\":\"read write\"%s}%s}",
           issuer, now_ms() / 1000 + 300, claims_extra ? claims_extra : "", how ? how : "");
  return http("POST", "/_testkit/mint", body);
}

static m2m_verifier *new_verifier(void) {
  char json[512];
  snprintf(json, sizeof json, "{\"issuer\":\"%s\",\"audience\":[\"https://api.test\"]}", issuer);
  m2m_verifier *v = NULL;
  m2m_error *err = NULL;
  if (m2m_verifier_new(json, &v, &err) != M2M_OK) {
    printf("cannot create a verifier: %s\n", m2m_error_message(err));
    m2m_error_free(err);
  }
  return v;
}

/* The code (and family) verifying `token` with `scopes` gives. */
static m2m_code verify_code(m2m_verifier *v, const char *token, const char *scopes, char *family, size_t cap) {
  char *claims = NULL;
  m2m_error *err = NULL;
  m2m_code code = m2m_verifier_verify(v, token, scopes, &claims, &err);
  snprintf(family, cap, "%s", err ? m2m_error_family(err) : "");
  m2m_string_free(claims);
  m2m_error_free(err);
  return code;
}

static void test_verifier(void) {
  admin("/_testkit/reset", NULL);
  m2m_verifier *v = new_verifier();
  char *good = mint(NULL, NULL);
  char *claims = (char *)"unset";
  m2m_error *err = NULL;
  /* Cold: verify_now cannot decide without the keys, and says so with NULL claims. */
  CHECK(m2m_verifier_verify_now(v, good, "read", &claims, &err) == M2M_OK && claims == NULL,
        "verify_now on a cold verifier waits for nobody");
  claims = NULL;
  CHECK(m2m_verifier_verify(v, good, "read", &claims, &err) == M2M_OK, "a valid token: %s",
        err ? m2m_error_message(err) : "");
  m2m_string_free(claims);
  claims = NULL;
  /* Warm: verify_now decides on the calling thread, claims or the token's error. */
  CHECK(m2m_verifier_verify_now(v, good, "read", &claims, &err) == M2M_OK && claims &&
            strstr(claims, "\"sub\":\"svc\""),
        "verify_now once warm: %s", claims ? claims : "(null)");
  m2m_string_free(claims);
  claims = NULL;
  CHECK(m2m_verifier_verify_now(v, good, "admin", &claims, &err) == M2M_INSUFFICIENT_SCOPE && claims == NULL &&
            err != NULL,
        "verify_now reports the token's error");
  m2m_error_free(err);
  err = NULL;
  CHECK(m2m_verifier_verify(v, good, "read", &claims, &err) == M2M_OK, "a valid token: %s",
        err ? m2m_error_message(err) : "");
  CHECK(claims && strstr(claims, "\"sub\":\"svc\""), "its claims: %s", claims ? claims : "(null)");
  m2m_string_free(claims);
  m2m_error_free(err);

  char family[64];
  CHECK(verify_code(v, good, "read admin", family, sizeof family) == M2M_INSUFFICIENT_SCOPE &&
            strcmp(family, "invalid_token") == 0,
        "a missing scope: %s", family);
  char *forged = mint(NULL, ",\"forged\":true");
  for (int i = 0; i < 3; i++) {
    CHECK(verify_code(v, forged, NULL, family, sizeof family) == M2M_TOKEN_UNKNOWN_KEY, "a forged kid");
  }
  char *expired = mint(",\"exp\":1600000000", NULL);
  CHECK(verify_code(v, expired, NULL, family, sizeof family) == M2M_TOKEN_EXPIRED, "an expired token");
  char *none = mint(NULL, ",\"alg_header\":\"none\",\"unsigned\":true");
  CHECK(verify_code(v, none, NULL, family, sizeof family) == M2M_TOKEN_ALGORITHM, "alg none");
  CHECK(verify_code(v, "not-a-jwt", NULL, family, sizeof family) == M2M_TOKEN_MALFORMED, "garbage");
  CHECK(verify_code(NULL, good, NULL, family, sizeof family) == M2M_NULL_ARGUMENT, "a NULL verifier");

  char *stats = http("GET", "/_testkit/stats", NULL);
  /* The cold fetch, then one refetch for the unknown kid; the cooldown holds off the rest. */
  CHECK(stats && strstr(stats, "\"jwks_requests\":2"), "two JWKS fetches for all: %s", stats ? stats : "");
  free(stats);
  free(good);
  free(forged);
  free(expired);
  free(none);
  m2m_verifier_free(v);
}

struct verified {
  pthread_mutex_t lock;
  pthread_cond_t done;
  int finished;
  m2m_code code;
  int had_claims;
};

static void on_verified(void *user_data, m2m_code code, char *claims, m2m_error *error) {
  struct verified *w = user_data;
  pthread_mutex_lock(&w->lock);
  w->code = code;
  w->had_claims = claims != NULL && error == NULL;
  w->finished = 1;
  pthread_cond_signal(&w->done);
  pthread_mutex_unlock(&w->lock);
  m2m_string_free(claims);
  m2m_error_free(error);
}

static void test_verify_async(void) {
  admin("/_testkit/reset", NULL);
  m2m_verifier *v = new_verifier();
  char *good = mint(NULL, NULL);
  const char *scopes[] = {"write", "delete"};
  m2m_code expected[] = {M2M_OK, M2M_INSUFFICIENT_SCOPE};
  for (int i = 0; i < 2; i++) {
    struct verified w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, M2M_INTERNAL, 0};
    CHECK(m2m_verifier_verify_async(v, good, scopes[i], on_verified, &w, NULL) == M2M_OK, "started");
    pthread_mutex_lock(&w.lock);
    while (!w.finished) pthread_cond_wait(&w.done, &w.lock);
    pthread_mutex_unlock(&w.lock);
    CHECK(w.code == expected[i] && w.had_claims == (i == 0), "scope %s: code %u", scopes[i], w.code);
  }
  free(good);
  m2m_verifier_free(v);
}

/* An introspecting verifier of this issuer's tokens. */
static m2m_verifier *new_introspecting_verifier(void) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"issuer\":\"%s\",\"audience\":[\"https://api.test\"],\"client_id\":\"test-client\","
           "\"client_secret\":\"test-secret\"}",
           issuer);
  m2m_verifier *v = NULL;
  m2m_error *err = NULL;
  CHECK(m2m_verifier_new(json, &v, &err) == M2M_OK, "an introspecting verifier: %s", err ? m2m_error_message(err) : "");
  m2m_error_free(err);
  return v;
}

static int introspected_active(m2m_verifier *v, const char *token) {
  char *answer = NULL;
  int active = -1;
  if (m2m_verifier_introspect(v, token, &answer, NULL) == M2M_OK && answer) {
    active = strstr(answer, "\"active\":true") ? 1 : strstr(answer, "\"active\":false") ? 0 : -1;
  }
  m2m_string_free(answer);
  return active;
}

/* Opaque tokens: introspection answers active, then inactive once revoked. */
static void test_introspect_and_revoke(void) {
  admin("/_testkit/reset", NULL);
  admin("/_testkit/tokens", "{\"format\":\"opaque\"}");
  char extra[512];
  snprintf(extra, sizeof extra, ",\"audience\":\"https://api.test\",\"revocation_url\":\"%s/oauth2/revoke\"", issuer);
  m2m_source *src = new_source(extra);
  m2m_token *tok = NULL;
  CHECK(m2m_source_token(src, &tok, NULL) == M2M_OK, "an opaque token");
  const char *value = tok ? m2m_token_value(tok) : "";
  m2m_verifier *v = new_introspecting_verifier();
  CHECK(introspected_active(v, value) == 1, "active");
  char family[64];
  CHECK(verify_code(v, value, NULL, family, sizeof family) == M2M_OK, "an active opaque token verifies");
  CHECK(m2m_source_revoke(src, value, NULL) == M2M_OK, "revoked");
  m2m_verifier *fresh = new_introspecting_verifier(); /* the first one caches its answer */
  CHECK(introspected_active(fresh, value) == 0, "inactive once revoked");
  CHECK(verify_code(fresh, value, NULL, family, sizeof family) == M2M_TOKEN_INACTIVE, "a revoked token is refused");
  m2m_token_free(tok);
  m2m_verifier_free(fresh);
  m2m_verifier_free(v);
  m2m_source_free(src);
  admin("/_testkit/tokens", "{\"format\":\"jwt\"}");
}

/* ---- key-based client authentication and DPoP ---------------------------- */

static void test_private_key_jwt_and_dpop(const char *keys_dir) {
  admin("/_testkit/reset", NULL);
  char path[512], body[4096];
  snprintf(path, sizeof path, "%s/ed25519.jwk.json", keys_dir);
  char *jwk = read_file(path);
  CHECK(jwk != NULL, "cannot read %s", path);
  if (!jwk) return;
  snprintf(body, sizeof body, "{\"jwk\":%s}", jwk);
  free(jwk);
  admin("/_testkit/client_key", body);
  char extra[1024];
  snprintf(extra, sizeof extra, ",\"auth_method\":\"private_key_jwt\",\"private_key_file\":\"%s/ed25519.pem\",\"dpop\":true", keys_dir);
  char *json = malloc(2048);
  snprintf(json, 2048, "{\"token_url\":\"%s/oauth2/token\",\"client_id\":\"test-client\"%s}", issuer, extra);
  m2m_source *src = NULL;
  m2m_error *err = NULL;
  CHECK(m2m_source_new(json, &src, &err) == M2M_OK, "a private_key_jwt + DPoP source: %s", err ? m2m_error_message(err) : "");
  m2m_error_free(err);
  free(json);
  m2m_token *tok = NULL;
  err = NULL;
  CHECK(m2m_source_token(src, &tok, &err) == M2M_OK, "a token: %s", err ? m2m_error_message(err) : "");
  m2m_error_free(err);
  CHECK(tok && strcmp(m2m_token_type(tok), "DPoP") == 0, "a DPoP token");
  char api[300];
  snprintf(api, sizeof api, "%s/api/whoami", issuer);
  char *proof = NULL;
  CHECK(m2m_source_dpop_proof(src, "GET", api, tok ? m2m_token_value(tok) : NULL, &proof, NULL) == M2M_OK && proof &&
            strncmp(proof, "eyJ", 3) == 0,
        "a proof");
  m2m_string_free(proof);
  bool retry = true;
  const char *challenge = "DPoP error=\"use_dpop_nonce\"";
  CHECK(m2m_source_dpop_answer(src, api, 401, challenge, "n-1", &retry, NULL) == M2M_OK && retry, "a nonce challenge");
  CHECK(m2m_source_dpop_answer(src, api, 200, NULL, NULL, &retry, NULL) == M2M_OK && !retry, "no challenge");
  m2m_token_free(tok);
  m2m_source_free(src);

  m2m_source *plain = new_source(NULL);
  proof = (char *)1;
  CHECK(m2m_source_dpop_proof(plain, "GET", api, NULL, &proof, NULL) == M2M_OK && proof == NULL, "no DPoP, no proof");
  m2m_source_free(plain);
}

/* ---- fork while other threads hold the library's locks -------------------- */

struct hammer {
  m2m_source *src;
  volatile int stop;
};

/* Takes the source's state lock over and over: invalidate, then refetch. */
static void *hammer_locks(void *arg) {
  struct hammer *h = arg;
  while (!h->stop) {
    m2m_token *tok = NULL;
    if (m2m_source_token(h->src, &tok, NULL) == M2M_OK) {
      m2m_source_invalidate(h->src, tok, NULL, NULL);
      m2m_token_free(tok);
    }
  }
  return NULL;
}

static void test_fork_while_locks_are_busy(int forks) {
  admin("/_testkit/reset", NULL);
  struct hammer h = {new_source(NULL), 0};
  pthread_t thread;
  pthread_create(&thread, NULL, hammer_locks, &h);
  int hung = 0, failed_children = 0;
  for (int i = 0; i < forks; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      alarm(10); /* a child that hangs on an inherited lock dies here */
      m2m_token *tok = NULL;
      int ok = m2m_source_token(h.src, &tok, NULL) == M2M_OK;
      m2m_token_free(tok);
      m2m_source *fresh = new_source(NULL);
      ok = ok && m2m_source_token(fresh, &tok, NULL) == M2M_OK;
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) hung++;
    else if (WEXITSTATUS(status) != 0) failed_children++;
  }
  h.stop = 1;
  pthread_join(thread, NULL);
  CHECK(hung == 0, "%d of %d children hung on a lock inherited from the parent", hung, forks);
  CHECK(failed_children == 0, "%d children could not get a token", failed_children);
  m2m_source_free(h.src);
}

/* Many create / get / free cycles: valgrind must find nothing lost. */
static void test_cycles(int rounds) {
  admin("/_testkit/reset", NULL);
  for (int i = 0; i < rounds; i++) {
    m2m_source *src = new_source(NULL);
    m2m_token *tok = NULL;
    m2m_error *err = NULL;
    if (m2m_source_token(src, &tok, &err) != M2M_OK) {
      CHECK(0, "round %d: %s", i, m2m_error_message(err));
    }
    m2m_token_free(tok);
    m2m_error_free(err);
    m2m_source_free(src);
  }
  CHECK(token_requests() == rounds, "one request per source: %ld", token_requests());
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s ISSUER_URL VECTORS_DIR [all|leaks]\n", argv[0]);
    return 2;
  }
  snprintf(issuer, sizeof issuer, "%s", argv[1]);
  const char *port = strrchr(issuer, ':');
  issuer_port = port ? atoi(port + 1) : 0;
  int all = argc < 4 || strcmp(argv[3], "all") == 0;

  test_bad_arguments();
  test_fetch_and_cache();
  test_threads_share_one_request(all ? 64 : 8);
  test_invalid_client();
  test_async_callback();
  test_callback_may_block();
  test_cycles(all ? 50 : 20);
  test_verifier();
  test_verify_async();
  test_introspect_and_revoke();
  test_private_key_jwt_and_dpop(argc > 4 ? argv[4] : "tests/vectors/keys");
  if (all) {
    test_fork_while_locks_are_busy(100);
    test_timeout();
    test_vectors(argv[2]);
  }
  m2m_shutdown(); /* joins the library's threads: a leak checker sees a clean exit */
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
