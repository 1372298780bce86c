#!/usr/bin/env Rscript
# The statcheck peer of `retrotrial check DIR` (issue 21; benches/textcheck_peer.sh times both):
# reads every .txt of DIR and runs statcheck 1.4 (Debian's r-cran-statcheck) on them, as
# statcheck's own checkdir() does for PDF and HTML, with OneTailedTxt = TRUE as in
# tests/golden/gen/statcheck.R. Prints the number of results found.
#
#   Rscript benches/peers/statcheck_peer.R DIR
suppressPackageStartupMessages(library(statcheck))
dir <- commandArgs(trailingOnly = TRUE)[1]
files <- sort(list.files(dir, pattern = "\\.txt$", full.names = TRUE, recursive = TRUE))
texts <- vapply(files, function(f) paste(readLines(f, encoding = "UTF-8", warn = FALSE),
                                         collapse = "\n"), "")
names(texts) <- basename(files)
res <- NULL
invisible(capture.output(res <- statcheck(texts, OneTailedTxt = TRUE, messages = FALSE)))
cat(length(files), "papers,", if (is.null(res)) 0 else nrow(res), "results\n")
