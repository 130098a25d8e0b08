/*
 * Cached-token cost through the C ABI, one thread and two at once.
 *
 *   cargo build --release -p m2mauth-ffi -p m2mauth-cli
 *   cc -O2 -I bindings-ffi/include bench/c/bench_token.c target/release/libm2mauth.a -lpthread -ldl -lm -o bench_token
 *   ./bench_token "$(target/release/m2mauth issuer --json | …issuer URL…)"   (bench/run.sh does all of this)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "m2mauth.h"

#define CALLS 2000000L

static m2m_source *source;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *token_calls(void *arg) {
  (void)arg;
  for (long i = 0; i < CALLS; i++) {
    m2m_token *t = NULL;
    if (m2m_source_token(source, &t, NULL) != M2M_OK) abort();
    m2m_token_free(t);
  }
  return NULL;
}

static void *id_calls(void *arg) {
  (void)arg;
  uint64_t id = 0;
  for (long i = 0; i < CALLS; i++) {
    if (m2m_source_cached_token_id(source, &id, NULL) != M2M_OK || id == 0) abort();
  }
  return NULL;
}

static void run(const char *name, void *(*body)(void *), int threads) {
  pthread_t ids[2];
  double start = now_ns();
  for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, body, NULL);
  for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
  printf("%-34s %d thread%s  %6.1f ns/call\n", name, threads, threads > 1 ? "s" : " ", (now_ns() - start) / CALLS);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ISSUER_URL\n", argv[0]);
    return 2;
  }
  char config[512];
  snprintf(config, sizeof config,
           "{\"token_url\":\"%s/oauth2/token\",\"client_id\":\"test-client\",\"client_secret\":\"test-secret\"}", argv[1]);
  m2m_error *err = NULL;
  m2m_token *warm = NULL;
  if (m2m_source_new(config, &source, &err) != M2M_OK || m2m_source_token(source, &warm, &err) != M2M_OK) {
    fprintf(stderr, "%s\n", m2m_error_message(err));
    return 1;
  }
  m2m_token_free(warm);
  for (int threads = 1; threads <= 2; threads++) {
    run("m2m_source_token + m2m_token_free", token_calls, threads);
    run("m2m_source_cached_token_id", id_calls, threads);
  }
  m2m_source_free(source);
  m2m_shutdown();
  return 0;
}
