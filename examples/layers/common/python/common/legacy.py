# MISTAKE (unparsable file): left over from the python2.7 runtime. Python 3 cannot parse it, so
# any function that imports it fails with Runtime.UserCodeSyntaxError, and no lamlint rule can
# look inside it (LAM901). Port it or delete it.
"""CSV export in the pre-2020 format, kept for the finance team's old spreadsheet."""

import csv


def export(rows, path):
    try:
        with open(path, "wb") as handle:
            csv.writer(handle).writerows(rows)
    except IOError, exc:
        print "export failed: %s" % exc
