/*
 * boundterm --stress --sessions N (issue 17): N headless sessions in one process under one
 * RAM and one disk budget (sb_pool), each running the program (od -cx /dev/urandom by
 * default; BOUNDTERM_SESSION tells each child its number), until --bytes of output in all or
 * --duration. Prints the totals, each session's figures (also as one JSON line, "sessions:"),
 * and RES as the sessions are closed one by one; exits 0 only when the bound held: peak RES
 * <= RES at 1 s + the RAM budget + 8 MiB + N times the per-session allowance (each session's
 * screen, engine and buffers, measured when they open, stated in the summary).
 */
#ifndef BT_STRESS_SESSIONS_H
#define BT_STRESS_SESSIONS_H

#include <stdint.h>

#include "config.h"

int stress_sessions_run(const struct bt_config *cfg, unsigned n, uint64_t bytes,
                        uint64_t duration_ns);

#endif
