# Golden values of the `tost` and `non_inferiority` records of `retrotrial analyze` (issue 20):
# for every outcome with a margin in the study file and every arm pair A-B (i < j in arm order),
# on the change scores last - baseline of the complete cases (rounded to 9 decimals):
#   tost             t_tost  two one-sided Welch tests,
#                            lo <- t.test(x, y, mu = -margin, alternative = "greater")
#                            hi <- t.test(x, y, mu =  margin, alternative = "less")
#                            p = max(lo$p.value, hi$p.value), statistic = the t of that test,
#                            CI = t.test(x, y, conf.level = 0.90)$conf.int
#                            margin = equivalence_margin, else the MCID when mcid_kind = absolute
#   non_inferiority  t       lower is better:  t.test(x, y, mu =  margin, alternative = "less")
#                            higher is better: t.test(x, y, mu = -margin, alternative = "greater")
#                            CI = its one-sided conf.int (the infinite end is null)
#
# Usage (from the repository root; regenerate.sh runs it for every trial case with a study.toml):
#   Rscript tests/golden/gen/tost.R INPUT.csv OUTPUT.json --study study.toml
# The reading, ordering and complete-case rules are clinical.R's (= analyze.R's): HEADER,
# KNOWN_ARMS, read_trial, order_known_first, order_timepoints and complete_cases come from
# common.R, shared with those scripts. read_study and num are this script's own (read_study
# checks the margins that clinical.R's skips; num maps any non-finite value to null).
suppressPackageStartupMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4 || args[3] != "--study") {
  stop("usage: Rscript tost.R INPUT.csv OUTPUT.json --study study.toml")
}
# HEADER, KNOWN_ARMS, read_trial, csort, order_known_first, order_timepoints, complete_cases:
# common.R, next to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

read_study <- function(path) {
  lines <- readLines(path, warn = FALSE)
  out <- list()
  cur <- NULL
  strip_comment <- function(s) {
    # Drop a comment: a '#' outside double quotes.
    chars <- strsplit(s, "", fixed = TRUE)[[1]]
    inq <- FALSE
    for (k in seq_along(chars)) {
      if (chars[k] == "\"") inq <- !inq
      if (chars[k] == "#" && !inq) return(substr(s, 1L, k - 1L))
    }
    s
  }
  for (ln in seq_along(lines)) {
    s <- trimws(strip_comment(lines[[ln]]))
    if (s == "") next
    if (startsWith(s, "[")) {
      re <- "^\\[\\s*outcomes\\.(\"([^\"]+)\"|([A-Za-z0-9_-]+))\\s*\\]$"
      m <- regmatches(s, regexec(re, s))[[1]]
      if (length(m) == 0L) {
        stop(path, ":", ln, ": only [outcomes.NAME] tables are supported, got ", s)
      }
      cur <- if (nzchar(m[3])) m[3] else m[4]
      if (!is.null(out[[cur]])) stop(path, ":", ln, ": table [outcomes.", cur, "] given twice")
      out[[cur]] <- list(better = "lower", mcid = NA_real_, mcid_kind = "absolute")
      next
    }
    if (is.null(cur)) stop(path, ":", ln, ": key outside an [outcomes.NAME] table: ", s)
    m <- regmatches(s, regexec("^([A-Za-z0-9_]+)\\s*=\\s*(.+)$", s))[[1]]
    if (length(m) == 0L) stop(path, ":", ln, ": cannot read ", s)
    key <- m[2]
    raw <- trimws(m[3])
    val <- if (grepl("^\".*\"$", raw)) substr(raw, 2L, nchar(raw) - 1L) else {
      v <- suppressWarnings(as.numeric(raw))
      if (is.na(v)) stop(path, ":", ln, ": not a string or number: ", raw)
      v
    }
    if (key %in% c("label", "unit", "min", "max")) next   # no effect on these records
    if (key %in% c("equivalence_margin", "non_inferiority_margin")) {
      if (!is.numeric(val) || !is.finite(val) || val <= 0) stop(path, ":", ln, ": ", key, " must be a positive number")
      out[[cur]][[key]] <- val
      next
    }
    bad <- function(msg) stop(path, ":", ln, ": ", msg)
    if (key == "better") {
      if (!val %in% c("lower", "higher")) bad("better must be \"lower\" or \"higher\"")
    } else if (key == "mcid") {
      if (!is.numeric(val) || !is.finite(val) || val <= 0) bad("mcid must be a positive number")
    } else if (key == "mcid_kind") {
      if (!val %in% c("absolute", "percent")) bad("mcid_kind must be \"absolute\" or \"percent\"")
    } else {
      stop(path, ":", ln, ": unknown key ", key, " in [outcomes.", cur, "]")
    }
    out[[cur]][[key]] <- val
  }
  out
}

num <- function(x) {
  x <- unname(x)
  if (!is.finite(x)) NA_real_ else x
}

d <- read_trial(args[1])
study <- read_study(args[4])
arms <- order_known_first(d$arm, KNOWN_ARMS)
last_tp <- tail(order_timepoints(d$timepoint), 1)
records <- list()
for (o in names(study)) {
  spec <- study[[o]]
  d_o <- d[d$outcome == o, , drop = FALSE]
  if (nrow(d_o) == 0L) next
  cc <- complete_cases(d_o, last_tp)
  eq <- if (!is.null(spec$equivalence_margin)) spec$equivalence_margin else
    if (spec$mcid_kind == "absolute" && is.finite(spec$mcid)) spec$mcid else NA
  ni <- if (!is.null(spec$non_inferiority_margin)) spec$non_inferiority_margin else NA
  for (i in seq_along(arms)) for (j in seq_along(arms)) {
    if (j <= i) next
    x <- cc$change[cc$arm == arms[i]]
    y <- cc$change[cc$arm == arms[j]]
    if (length(x) < 2 || length(y) < 2) next
    contrast <- paste0(arms[i], "-", arms[j])
    if (is.finite(eq)) {
      lo <- t.test(x, y, mu = -eq, alternative = "greater")
      hi <- t.test(x, y, mu = eq, alternative = "less")
      ci <- t.test(x, y, conf.level = 0.90)$conf.int
      bind <- if (lo$p.value >= hi$p.value) lo else hi
      records[[length(records) + 1]] <- list(
        outcome = o, analysis = "tost", contrast = contrast, statistic_name = "t_tost",
        statistic = num(bind$statistic), df = num(lo$parameter),
        p_value = max(lo$p.value, hi$p.value), estimate = num(mean(x) - mean(y)),
        ci_low = ci[1], ci_high = ci[2],
        extra = list(margin = eq, equivalent = max(lo$p.value, hi$p.value) < 0.05,
                     t_lower = num(lo$statistic), p_lower = lo$p.value,
                     t_upper = num(hi$statistic), p_upper = hi$p.value,
                     se = num(lo$stderr), n1 = length(x), n2 = length(y)))
    }
    if (is.finite(ni)) {
      lower <- spec$better == "lower"
      r <- if (lower) t.test(x, y, mu = ni, alternative = "less") else
        t.test(x, y, mu = -ni, alternative = "greater")
      records[[length(records) + 1]] <- list(
        outcome = o, analysis = "non_inferiority", contrast = contrast, statistic_name = "t",
        statistic = num(r$statistic), df = num(r$parameter), p_value = r$p.value,
        estimate = num(mean(x) - mean(y)), ci_low = num(r$conf.int[1]),
        ci_high = num(r$conf.int[2]),
        extra = list(margin = ni, non_inferior = r$p.value < 0.05, lower_is_better = lower,
                     se = num(r$stderr), n1 = length(x), n2 = length(y)))
    }
  }
}
tmp <- paste0(args[2], ".tmp")
writeLines(toJSON(records, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = TRUE), tmp)
invisible(file.rename(tmp, args[2]))
cat(sprintf("tost.R: %d records -> %s\n", length(records), args[2]))
