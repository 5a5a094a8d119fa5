/* Error kinds: each kind's message holds runc's phrase (engines match it),
   tagging keeps the first kind and never repeats the phrase, and the first
   cause wins. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/error.h"
#include "tap.h"

static void
check_text (berth_error *err, const char *want, const char *what)
{
  char *text = berth_error_text (err);
  tap_ok (strcmp (text, want) == 0, "%s: \"%s\"", what, text);
  if (strcmp (text, want) != 0)
    diag ("wanted \"%s\"", want);
  free (text);
}

int
main (void)
{
  static const struct
  {
    berth_error_kind kind;
    const char *phrase;
  } runc_words[] = {
    { BERTH_ERR_NOT_FOUND, "container does not exist" },
    { BERTH_ERR_EXISTS, "container with given ID already exists" },
    { BERTH_ERR_NOT_RUNNING, "container not running" },
    { BERTH_ERR_PAUSED, "container paused" },
    { BERTH_ERR_NOT_PAUSED, "container not paused" },
    { BERTH_ERR_STILL_RUNNING, "container still running" },
    { BERTH_ERR_INVALID_ID, "invalid container ID format" },
    { BERTH_ERR_INVALID_CONFIG, "invalid configuration" },
    { BERTH_ERR_PERMISSION, "permission denied" },
  };
  for (size_t i = 0; i < sizeof runc_words / sizeof *runc_words; i++)
    {
      berth_error *err = NULL;
      tap_ok (berth_fail_kind (&err, runc_words[i].kind, 0, "`c1`") == -1, "berth_fail_kind returns -1");
      char want[128];
      snprintf (want, sizeof want, "`c1`: %s", runc_words[i].phrase);
      check_text (err, want, runc_words[i].phrase);
      tap_ok (berth_error_kind_of (err) == runc_words[i].kind, "the kind is kept (%d)", (int) runc_words[i].kind);
      berth_error_free (err);
    }
  tap_ok (strcmp (berth_error_kind_phrase (BERTH_ERR_OTHER), "") == 0, "OTHER has no phrase");

  berth_error *err = NULL;
  berth_fail_kind (&err, BERTH_ERR_NOT_RUNNING, 0, "%s", "");
  check_text (err, "container not running", "an empty subject leaves the phrase alone");
  berth_error_wrap (&err, "kill");
  check_text (err, "kill: container not running", "context goes in front");
  berth_fail_kind (&err, BERTH_ERR_NOT_FOUND, 0, "`c2`");
  check_text (err, "kill: container not running", "the first cause wins");
  berth_error_tag (&err, BERTH_ERR_INVALID_CONFIG);
  tap_ok (berth_error_kind_of (err) == BERTH_ERR_NOT_RUNNING, "tagging keeps an existing kind");
  berth_error_free (err);

  err = NULL;
  berth_fail (&err, 0, "config.json: process.args: must name the program to run");
  tap_ok (berth_error_kind_of (err) == BERTH_ERR_OTHER, "a plain failure has no kind");
  berth_error_tag (&err, BERTH_ERR_INVALID_CONFIG);
  check_text (err, "invalid configuration: config.json: process.args: must name the program to run",
              "tagging puts the phrase first");
  berth_error_tag (&err, BERTH_ERR_INVALID_CONFIG);
  check_text (err, "invalid configuration: config.json: process.args: must name the program to run",
              "tagging twice adds nothing");
  berth_error_free (err);

  err = NULL;
  berth_fail (&err, 0, "invalid configuration: x");
  berth_error_tag (&err, BERTH_ERR_INVALID_CONFIG);
  check_text (err, "invalid configuration: x", "a message that holds the phrase is not prefixed again");
  berth_error_free (err);

  err = NULL;
  berth_fail (&err, EACCES, "open `x`");
  tap_ok (berth_error_kind_of (err) == BERTH_ERR_PERMISSION, "an untagged EACCES is a permission error");
  berth_error_free (err);
  tap_ok (berth_error_kind_of (NULL) == BERTH_ERR_OTHER, "no error, no kind");
  tap_ok (berth_error_tag (NULL, BERTH_ERR_EXISTS) == -1, "tagging nothing is harmless");
  return tap_done ();
}
