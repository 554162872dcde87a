/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_1003.h - the 1003 judgement, internal to the WebSocket session (ws_session.c calls it when
 * a Close 1003 is seen, and again while it waits for the acknowledged peer bytes).
 */
#ifndef WSAUDIT_WS_1003_H
#define WSAUDIT_WS_1003_H

#include "ws_session.h"

/* Judge the pending 1003 of `closer`: name the peer's offending message, or say why it cannot
 * be named, as a F_CLOSE_UNSUPPORTED_DATA finding; returns without a finding while the
 * acknowledged peer bytes are still to come (unless at_end: the capture ends). */
void ws_1003_judge(struct ws_session *s, int closer, int at_end);

#endif
