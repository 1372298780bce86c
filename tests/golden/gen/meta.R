#!/usr/bin/env Rscript
# meta.R: the R reference for `retrotrial meta` (study-level meta-analysis).
#
#   Rscript tests/golden/gen/meta.R INPUT.csv OUTPUT.json [--measure smd|md]
#
# The contract is the spec records.md: §4 (`meta_study`, `meta`), §4.1 ("Records of meta":
# `meta_leave1out`, `meta_egger`), §5.10, §6.2 (metafor control) and §7. Every number comes from
# metafor (`escalc`, `rma`, `predict`, `leave1out`, `regtest`); the only values computed here are
# the ones the spec defines itself (`typical_v`, `tau`, the normal CI of `meta_study`), and the
# formulas of §5.10 are re-derived below as guards (the script stops if metafor disagrees).
#
# Input, one of two layouts (the first line must be exactly one of these headers):
#   study_id,arm,n,mean,sd   two rows per study: `backward` and one comparator (`forward` or
#                            `control`); yi = backward - comparator (escalc "SMD", or "MD" with
#                            --measure md)
#   study_id,yi,vi           one row per study, effect and sampling variance given
#
# Output: a JSON list of records in this order: meta_study (studies in file order of first
# appearance), meta FE, DL, REML, PM, DL_HK, REML_HK, meta_leave1out (studies in the same order),
# meta_egger (only when k >= 3). `outcome` is the measure label, `smd` (default) or `md`.

suppressPackageStartupMessages({
  library(jsonlite)
  library(metafor)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))

ARM_HEADER <- c("study_id", "arm", "n", "mean", "sd")
YIVI_HEADER <- c("study_id", "yi", "vi")
COMPARATORS <- c("forward", "control")
Z975 <- qnorm(0.975)
# §5.10 / §6.2: metafor's defaults stop REML at |change| < 1e-5 and PM at uniroot's eps^(1/4).
CONTROL <- list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)

# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

parse_args <- function(args) {
  measure <- "smd"
  pos <- character(0)
  i <- 1L
  while (i <= length(args)) {
    a <- args[[i]]
    if (startsWith(a, "--measure=")) {
      measure <- sub("^--measure=", "", a)
    } else if (a == "--measure") {
      if (i == length(args)) stop("option --measure needs a value")
      i <- i + 1L
      measure <- args[[i]]
    } else if (startsWith(a, "--")) {
      stop("unknown option ", a)
    } else {
      pos <- c(pos, a)
    }
    i <- i + 1L
  }
  if (length(pos) != 2L || !measure %in% c("smd", "md")) {
    stop("usage: Rscript meta.R INPUT.csv OUTPUT.json [--measure smd|md]")
  }
  list(input = pos[[1]], output = pos[[2]], measure = measure)
}

# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------

# Returns data.frame(study_id, yi, vi, n1, n2, comparator) in file order of first appearance.
read_studies <- function(path, measure) {
  first <- readLines(path, n = 1L, warn = FALSE)
  if (length(first) == 0L) stop("empty file: ", path)
  first <- sub("\r$", "", first)
  if (identical(first, paste(ARM_HEADER, collapse = ","))) {
    d <- read.csv(path, colClasses = c("character", "character", rep("numeric", 3)),
                  na.strings = c("", "NA"))
    if (!identical(names(d), ARM_HEADER)) stop("unexpected columns: ", paste(names(d), collapse = ","))
    if (nrow(d) == 0L) stop("no data rows")
    if (anyNA(d)) stop("missing value in the summary file")
    if (any(!is.finite(d$n) | !is.finite(d$mean) | !is.finite(d$sd))) stop("non-finite number")
    if (any(d$n != round(d$n) | d$n < 2)) stop("n must be an integer >= 2")
    if (any(d$sd <= 0)) stop("sd must be > 0")
    studies <- unique(d$study_id)
    rows <- lapply(studies, function(s) {
      r <- d[d$study_id == s, , drop = FALSE]
      if (nrow(r) != 2L) stop("study ", s, ": needs exactly two rows, has ", nrow(r))
      b <- r[r$arm == "backward", , drop = FALSE]
      cmp <- r[r$arm %in% COMPARATORS, , drop = FALSE]
      if (nrow(b) != 1L || nrow(cmp) != 1L) {
        stop("study ", s, ": needs one 'backward' row and one 'forward' or 'control' row, has ",
             paste(r$arm, collapse = ", "))
      }
      data.frame(study_id = s, m1i = b$mean, sd1i = b$sd, n1i = b$n,
                 m2i = cmp$mean, sd2i = cmp$sd, n2i = cmp$n, comparator = cmp$arm,
                 stringsAsFactors = FALSE)
    })
    s <- do.call(rbind, rows)
    es <- escalc(measure = toupper(measure), m1i = m1i, sd1i = sd1i, n1i = n1i,
                 m2i = m2i, sd2i = sd2i, n2i = n2i, data = s)
    out <- data.frame(study_id = s$study_id, yi = as.numeric(es$yi), vi = as.numeric(es$vi),
                      n1 = s$n1i, n2 = s$n2i, comparator = s$comparator,
                      stringsAsFactors = FALSE)
    check_escalc(s, out, measure)
  } else if (identical(first, paste(YIVI_HEADER, collapse = ","))) {
    d <- read.csv(path, colClasses = c("character", "numeric", "numeric"),
                  na.strings = c("", "NA"))
    if (!identical(names(d), YIVI_HEADER)) stop("unexpected columns: ", paste(names(d), collapse = ","))
    if (nrow(d) == 0L) stop("no data rows")
    if (anyNA(d)) stop("missing value in the summary file")
    if (any(!is.finite(d$yi) | !is.finite(d$vi))) stop("non-finite number")
    if (any(d$vi <= 0)) stop("vi must be > 0")
    if (anyDuplicated(d$study_id)) stop("duplicate study_id: ", d$study_id[anyDuplicated(d$study_id)])
    out <- data.frame(study_id = d$study_id, yi = d$yi, vi = d$vi, n1 = NA_real_, n2 = NA_real_,
                      comparator = NA_character_, stringsAsFactors = FALSE)
  } else {
    stop("header must be exactly '", paste(ARM_HEADER, collapse = ","), "' or '",
         paste(YIVI_HEADER, collapse = ","), "', got '", first, "'")
  }
  if (nrow(out) < 2L) stop("need at least 2 studies, have ", nrow(out))
  out
}

# Guard: escalc agrees with the formulas of §5.3 / §5.10 (exact J through log-gamma, vtype LS).
check_escalc <- function(s, out, measure) {
  if (measure == "smd") {
    m <- s$n1i + s$n2i - 2
    sp <- sqrt(((s$n1i - 1) * s$sd1i^2 + (s$n2i - 1) * s$sd2i^2) / m)
    J <- exp(lgamma(m / 2) - 0.5 * log(m / 2) - lgamma((m - 1) / 2))
    g <- J * (s$m1i - s$m2i) / sp
    v <- 1 / s$n1i + 1 / s$n2i + g^2 / (2 * (s$n1i + s$n2i))
  } else {
    g <- s$m1i - s$m2i
    v <- s$sd1i^2 / s$n1i + s$sd2i^2 / s$n2i
  }
  stopifnot(all(abs(out$yi - g) <= 1e-13 * pmax(1, abs(g))),
            all(abs(out$vi - v) <= 1e-13 * v))
}

# ---------------------------------------------------------------------------------------------
# Records (as analyze.R)
# ---------------------------------------------------------------------------------------------

# NULL/NA/NaN/Inf all become JSON null; numbers lose R names and matrix dims (rma's beta is 1x1).
num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- as.vector(unname(x))
  stopifnot(length(x) == 1L)
  if (is.logical(x) && all(is.na(x))) return(NA_real_)
  x
}

rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA, extra = list()) {
  stopifnot(length(extra) > 0L, !is.null(names(extra)))
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high),
       extra = lapply(extra, function(v) {
         if (is.character(v)) unname(v) else if (is.integer(v)) unname(v) else num(v)
       }))
}

close_to <- function(a, b, rel = 1e-10, abs = 1e-13) isTRUE(abs(a - b) <= abs + rel * abs(b))

# ---------------------------------------------------------------------------------------------
# Analyses
# ---------------------------------------------------------------------------------------------

fit_rma <- function(st, method, test) {
  rma(yi = st$yi, vi = st$vi, method = method, test = test, control = CONTROL)
}

study_records <- function(st, label) {
  lapply(seq_len(nrow(st)), function(i) {
    y <- st$yi[i]; se <- sqrt(st$vi[i])
    rec(label, "meta_study", st$study_id[i], label, statistic = y, estimate = y,
        ci_low = y - Z975 * se, ci_high = y + Z975 * se,
        extra = list(vi = st$vi[i],
                     n1 = if (is.na(st$n1[i])) NA_real_ else as.integer(st$n1[i]),
                     n2 = if (is.na(st$n2[i])) NA_real_ else as.integer(st$n2[i]),
                     comparator = st$comparator[i]))
  })
}

# One `meta` record. `contrast` FE, DL, REML, PM (test z) or DL_HK, REML_HK (test knha).
model_record <- function(st, label, contrast, method, test) {
  fit <- fit_rma(st, method, test)
  pr <- predict(fit)
  k <- nrow(st)
  w <- 1 / st$vi
  typical_v <- (k - 1) * sum(w) / (sum(w)^2 - sum(w^2))
  hk <- test == "knha"

  # Guards: metafor's numbers are the formulas of §5.10.
  mu_fe <- sum(w * st$yi) / sum(w)
  Q <- sum(w * (st$yi - mu_fe)^2)
  stopifnot(close_to(fit$QE, Q), close_to(fit$QEp, pchisq(Q, k - 1, lower.tail = FALSE), rel = 1e-9, abs = 1e-15),
            fit$k == k, fit$tau2 >= 0, method != "FE" || fit$tau2 == 0)
  ws <- 1 / (st$vi + fit$tau2)
  mu <- sum(ws * st$yi) / sum(ws)
  se <- if (hk) sqrt(sum(ws * (st$yi - mu)^2) / ((k - 1) * sum(ws))) else 1 / sqrt(sum(ws))
  crit <- if (hk) qt(0.975, k - 1) else Z975
  stopifnot(close_to(num(fit$beta), mu), close_to(fit$se, se),
            close_to(fit$ci.lb, mu - crit * se), close_to(fit$ci.ub, mu + crit * se))
  if (method == "FE") {
    stopifnot(close_to(fit$I2, max(0, 100 * (Q - (k - 1)) / Q)), close_to(fit$H2, Q / (k - 1)))
  } else {
    stopifnot(close_to(fit$I2, 100 * fit$tau2 / (fit$tau2 + typical_v)),
              close_to(fit$H2, (fit$tau2 + typical_v) / typical_v),
              close_to(pr$pi.lb, mu - crit * sqrt(se^2 + fit$tau2)),
              close_to(pr$pi.ub, mu + crit * sqrt(se^2 + fit$tau2)))
  }
  if (method == "REML" && fit$tau2 > 0) {          # root of the REML score (§5.10)
    score <- sum(ws^2 * (st$yi - mu)^2) - sum(ws) + sum(ws^2) / sum(ws)
    stopifnot(abs(score) <= 1e-9 * sum(ws))
  }
  if (method == "PM" && fit$tau2 > 0) {            # Σw*(y-μ)² = k-1
    stopifnot(abs(sum(ws * (st$yi - mu)^2) - (k - 1)) <= 1e-9)
  }

  rec(label, "meta", contrast, if (hk) "t" else "z",
      statistic = fit$zval, df = if (hk) fit$ddf else NA, p_value = fit$pval,
      estimate = num(fit$beta), ci_low = fit$ci.lb, ci_high = fit$ci.ub,
      extra = list(se = fit$se, tau2 = fit$tau2, tau = sqrt(fit$tau2), se_tau2 = fit$se.tau2,
                   I2 = fit$I2, H2 = fit$H2, Q = fit$QE, Q_df = as.integer(k - 1), Q_p = fit$QEp,
                   pi_low = if (method == "FE") NA_real_ else pr$pi.lb,
                   pi_high = if (method == "FE") NA_real_ else pr$pi.ub,
                   k = as.integer(k), typical_v = typical_v, method = method, test = test))
}

leave1out_records <- function(st, label) {
  fit <- fit_rma(st, "REML", "z")
  l1 <- leave1out(fit)
  lapply(seq_len(nrow(st)), function(i) {
    if (is.na(l1$estimate[i])) stop("leave1out failed for study ", st$study_id[i])
    # Guard: leave1out is the REML model refitted without study i (same control).
    r <- fit_rma(st[-i, , drop = FALSE], "REML", "z")
    stopifnot(close_to(l1$estimate[i], num(r$beta), rel = 0, abs = 0),
              close_to(l1$tau2[i], r$tau2, rel = 0, abs = 0))
    rec(label, "meta_leave1out", st$study_id[i], "z",
        statistic = l1$zval[i], p_value = l1$pval[i], estimate = l1$estimate[i],
        ci_low = l1$ci.lb[i], ci_high = l1$ci.ub[i],
        extra = list(tau2 = l1$tau2[i], I2 = l1$I2[i]))
  })
}

egger_record <- function(st, label) {
  fit <- fit_rma(st, "REML", "z")
  eg <- regtest(fit)          # model = "rma", predictor = "sei": rma(yi ~ sei, REML, same control)
  stopifnot(identical(eg$fit$control[names(CONTROL)], CONTROL), eg$fit$method == "REML",
            eg$fit$test == "z", close_to(eg$zval, eg$fit$zval[2], rel = 0, abs = 0))
  rec(label, "meta_egger", "all", "z", statistic = eg$zval, p_value = eg$pval,
      extra = list(limit_estimate = num(eg$est)))
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

MODELS <- list(
  list(contrast = "FE", method = "FE", test = "z"),
  list(contrast = "DL", method = "DL", test = "z"),
  list(contrast = "REML", method = "REML", test = "z"),
  list(contrast = "PM", method = "PM", test = "z"),
  list(contrast = "DL_HK", method = "DL", test = "knha"),
  list(contrast = "REML_HK", method = "REML", test = "knha")
)

main <- function(args) {
  opts <- parse_args(args)
  label <- opts$measure
  st <- read_studies(opts$input, opts$measure)
  k <- nrow(st)
  records <- study_records(st, label)
  for (m in MODELS) {
    records[[length(records) + 1L]] <- model_record(st, label, m$contrast, m$method, m$test)
  }
  records <- c(records, leave1out_records(st, label))
  if (k >= 3L) records[[length(records) + 1L]] <- egger_record(st, label)

  keys <- vapply(records, function(r) paste(r$outcome, r$analysis, r$contrast, r$statistic_name,
                                            sep = "|"), character(1))
  if (anyDuplicated(keys)) stop("duplicate record key: ", keys[anyDuplicated(keys)])

  json <- toJSON(records, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                 pretty = TRUE)
  if (grepl("\"(NaN|NA|Inf|-Inf)\"", json)) stop("non-finite value leaked into the JSON")
  writeLines(json, opts$output, useBytes = TRUE)
  message(sprintf("wrote %d records to %s", length(records), opts$output))
}

main(commandArgs(trailingOnly = TRUE))
