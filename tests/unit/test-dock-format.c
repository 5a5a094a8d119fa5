/* docker's humanized sizes and durations, and the tabwriter layout. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dock/format.h"
#include "libberth/util.h"
#include "tap.h"

static void
size_is (double bytes, int precision, const char *want)
{
  char buf[32];
  human_size (buf, sizeof buf, bytes, precision);
  tap_ok (strcmp (buf, want) == 0, "%.0f bytes (precision %d) -> %s", bytes, precision, want);
  if (strcmp (buf, want) != 0)
    diag ("got %s", buf);
}

static void
since_is (long ago, const char *want)
{
  char buf[64];
  human_since (buf, sizeof buf, (int64_t) time (NULL) - ago);
  tap_ok (strcmp (buf, want) == 0, "%ld s ago -> %s", ago, want);
  if (strcmp (buf, want) != 0)
    diag ("got %s", buf);
}

int
main (void)
{
  size_is (0, 3, "0B");
  size_is (999, 3, "999B");
  size_is (1000, 3, "1kB");
  size_is (4261550, 3, "4.26MB");
  size_is (1240000, 4, "1.24MB");
  size_is (1982259, 4, "1.982MB");
  size_is (3.5e9, 3, "3.5GB");

  since_is (0, "Less than a second ago");
  since_is (1, "1 second ago");
  since_is (45, "45 seconds ago");
  since_is (90, "About a minute ago");
  since_is (150, "2 minutes ago");
  since_is (3600, "About an hour ago");
  since_is (5 * 3600, "5 hours ago");
  since_is (3 * 86400, "3 days ago");
  since_is (20 * 86400, "2 weeks ago");
  since_is (90 * 86400, "3 months ago");
  since_is (3 * 365 * 86400L, "3 years ago");
  char na[16];
  human_since (na, sizeof na, 0);
  tap_ok (strcmp (na, "N/A") == 0, "no creation time -> N/A");

  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  tab_writer *t = tab_new ();
  tab_line (t, "REPOSITORY\tTAG\tIMAGE ID\tSIZE");
  tab_line (t, "busybox\tlatest\tbeae173ccac6\t1.24MB");
  tab_flush (t, f);
  fclose (f);
  tap_ok (strcmp (text, "REPOSITORY   TAG       IMAGE ID       SIZE\n"
                        "busybox      latest    beae173ccac6   1.24MB\n")
              == 0,
          "columns padded as Go's tabwriter(10, 1, 3): widest + 3, at least 10");
  free (text);
  return tap_done ();
}
