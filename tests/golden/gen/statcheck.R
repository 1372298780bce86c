#!/usr/bin/env Rscript
# statcheck's reading of the textcheck corpus (issue 21), for tests/it/textcheck.rs.
#
#   Rscript tests/golden/gen/statcheck.R      (from the repository root; not run in CI)
#
# Reads tests/data/textcheck/cases.json (written by make_cases.py there) and runs
# statcheck 1.4 (Debian's r-cran-statcheck) on the text of every case, once with
# OneTailedTxt = TRUE (a result that is an error two-tailed but not one-tailed, in a text that
# mentions one-tailed testing, is corrected) and once with FALSE, to tell the corrected results
# apart. Writes tests/golden/textcheck/statcheck.json: per case id, statcheck's rows in text order
# (or `statcheck_error` when statcheck stops on the text),
# with the verdict in retrotrial's words:
#   Error = FALSE, and an error without the one-tailed correction -> consistent_one_tailed
#   Error = FALSE                                               -> consistent
#   Error = TRUE, DecisionError = TRUE                          -> decision_error
#   Error = TRUE                                                -> inconsistent
# Defaults otherwise: alpha = .05, pEqualAlphaSig = TRUE, pZeroError = TRUE.
suppressPackageStartupMessages({
  library(jsonlite)
  library(statcheck)
})

cases <- fromJSON("tests/data/textcheck/cases.json", simplifyVector = FALSE)$cases
texts <- vapply(cases, function(c) c$text, "")
names(texts) <- vapply(cases, function(c) c$id, "")

# One case at a time: statcheck stops with an error on some inputs (a df of 0 gives a NaN p and
# `if (!error)` fails), and such a case is recorded as statcheck's failure, not dropped.
run <- function(text, one_tailed_txt) {
  res <- NULL
  invisible(capture.output(
    res <- suppressWarnings(statcheck(text, OneTailedTxt = one_tailed_txt, messages = FALSE))
  ))
  res
}

stat_name <- c(t = "t", F = "F", r = "r", Chi2 = "chi2", Z = "z", Q = "Q", Qb = "Q", Qw = "Q")
num <- function(x) if (is.na(x)) NULL else unbox(as.numeric(x))

out <- list()
total <- 0
for (id in names(texts)) {
  got <- tryCatch(list(run(texts[[id]], TRUE), run(texts[[id]], FALSE)),
                  error = function(e) conditionMessage(e))
  if (is.character(got)) {
    out[[id]] <- list(statcheck_error = unbox(got))
    next
  }
  with_1t <- got[[1]]
  without <- got[[2]]
  rows <- list()
  for (i in seq_len(if (is.null(with_1t)) 0 else nrow(with_1t))) {
    verdict <- if (with_1t$error[i]) {
      if (isTRUE(with_1t$decision_error[i])) "decision_error" else "inconsistent"
    } else if (without$error[i]) {
      "consistent_one_tailed"
    } else {
      "consistent"
    }
    rows[[length(rows) + 1]] <- list(
      statistic = unbox(unname(stat_name[with_1t$test_type[i]])),
      df1 = num(with_1t$df1[i]),
      df2 = num(with_1t$df2[i]),
      test_comparison = unbox(with_1t$test_comp[i]),
      value = unbox(with_1t$test_value[i]),
      reported_comparison = unbox(with_1t$p_comp[i]),
      reported_p = num(with_1t$reported_p[i]),
      computed_p = unbox(with_1t$computed_p[i]),
      raw = unbox(with_1t$raw[i]),
      verdict = unbox(verdict)
    )
  }
  total <- total + length(rows)
  out[[id]] <- list(rows = rows)
}

doc <- list(
  generator = unbox("tests/golden/gen/statcheck.R"),
  r_version = unbox(R.version.string),
  statcheck_version = unbox(as.character(packageVersion("statcheck"))),
  options = unbox("OneTailedTxt = TRUE (verdicts as above), alpha = .05, pEqualAlphaSig = TRUE, pZeroError = TRUE"),
  cases = out
)
dir.create("tests/golden/textcheck", showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(doc, auto_unbox = FALSE, pretty = TRUE, digits = NA, null = "null"),
           "tests/golden/textcheck/statcheck.json")
cat("wrote tests/golden/textcheck/statcheck.json:", total, "results in",
    length(texts), "cases\n")
