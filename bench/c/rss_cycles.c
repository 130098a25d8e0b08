/*
 * Resident memory across create / fetch / free cycles through the C ABI: a
 * dropped source must leave nothing behind (its refresh timer included), so
 * RSS stays flat once the allocator has warmed up.
 *
 *   cc -O2 -I bindings-ffi/include bench/c/rss_cycles.c target/release/libm2mauth.a -lpthread -ldl -lm -o rss_cycles
 *   ./rss_cycles ISSUER_URL   (bench/run.sh c does this)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m2mauth.h"

#define CYCLES 1500

/* VmRSS of this process in KiB, from /proc/self/status. */
static long rss_kib(void) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (status && fgets(line, sizeof line, status)) {
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  }
  if (status) fclose(status);
  return kib;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rss_cycles ISSUER_URL\n");
    return 2;
  }
  char config[512];
  snprintf(config, sizeof config,
           "{\"token_url\":\"%s/oauth2/token\",\"client_id\":\"test-client\",\"client_secret\":\"test-secret\"}",
           argv[1]);
  printf("create/fetch/free cycles through the C ABI, VmRSS:");
  for (int cycle = 1; cycle <= CYCLES; cycle++) {
    m2m_source *source = NULL;
    m2m_token *token = NULL;
    if (m2m_source_new(config, &source, NULL) != M2M_OK || m2m_source_token(source, &token, NULL) != M2M_OK) {
      fprintf(stderr, "cycle %d failed\n", cycle);
      return 1;
    }
    m2m_token_free(token);
    m2m_source_free(source);
    if (cycle == 100 || cycle == 500 || cycle == 1000 || cycle == CYCLES) printf(" %d: %.1f MiB;", cycle, rss_kib() / 1024.0);
  }
  printf("\n");
  return 0;
}
