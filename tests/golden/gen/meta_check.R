#!/usr/bin/env Rscript
# meta_check.R: re-derives every number of a meta.R output from the formulas of records.md §5.10
# (and the metafor formulas quoted in tests/golden/README.md) with base R only, no metafor, and
# compares them under the §7 default rules (rel 1e-8 + abs 1e-12; p-values rel 1e-7 + abs 1e-14).
#
#   Rscript tests/golden/gen/meta_check.R INPUT.csv EXPECTED.json [--measure smd|md]
#
# It exits non-zero and lists every mismatch if the R reference and the spec formulas disagree.
# regenerate.sh runs it after meta.R. It is also the shortest readable statement of what
# retrotrial's `meta` must compute.

suppressPackageStartupMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
measure <- "smd"
if (length(args) >= 3L) {
  if (args[[3]] == "--measure" && length(args) == 4L) measure <- args[[4]]
  else if (startsWith(args[[3]], "--measure=")) measure <- sub("^--measure=", "", args[[3]])
  else stop("usage: Rscript meta_check.R INPUT.csv EXPECTED.json [--measure smd|md]")
}
stopifnot(length(args) >= 2L, measure %in% c("smd", "md"))
Z <- qnorm(0.975)

# ---- input: yi, vi per study in file order -----------------------------------------------------
first <- sub("\r$", "", readLines(args[[1]], n = 1L, warn = FALSE))
if (first == "study_id,yi,vi") {
  d <- read.csv(args[[1]], colClasses = c("character", "numeric", "numeric"))
  st <- data.frame(id = d$study_id, y = d$yi, v = d$vi, n1 = NA, n2 = NA, stringsAsFactors = FALSE)
} else {
  d <- read.csv(args[[1]], colClasses = c("character", "character", rep("numeric", 3)))
  ids <- unique(d$study_id)
  st <- do.call(rbind, lapply(ids, function(s) {
    b <- d[d$study_id == s & d$arm == "backward", ]
    c <- d[d$study_id == s & d$arm != "backward", ]
    if (measure == "smd") {
      m <- b$n + c$n - 2
      sp <- sqrt(((b$n - 1) * b$sd^2 + (c$n - 1) * c$sd^2) / m)
      J <- exp(lgamma(m / 2) - 0.5 * log(m / 2) - lgamma((m - 1) / 2))   # exact J
      y <- J * (b$mean - c$mean) / sp
      v <- 1 / b$n + 1 / c$n + y^2 / (2 * (b$n + c$n))                    # vtype "LS"
    } else {
      y <- b$mean - c$mean
      v <- b$sd^2 / b$n + c$sd^2 / c$n
    }
    data.frame(id = s, y = y, v = v, n1 = b$n, n2 = c$n, stringsAsFactors = FALSE)
  }))
}

# ---- models ------------------------------------------------------------------------------------
# P = W - W X (X'WX)^-1 X'W for weights w and design X.
Pmat <- function(w, X) {
  W <- diag(w, nrow = length(w))
  W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
}

# tau2 on [0, inf): root of f, 0 when f(0) <= 0 (f decreasing through its root here).
root0 <- function(f) {
  if (f(0) <= 0) return(0)
  hi <- 1
  while (f(hi) > 0) hi <- hi * 2
  uniroot(f, c(0, hi), tol = 1e-15, maxiter = 10000)$root
}

tau2_of <- function(y, v, X, method) {
  k <- length(y); p <- ncol(X)
  if (method == "FE" || k <= p) return(0)
  if (method == "DL") {
    P <- Pmat(1 / v, X)
    return(max(0, (drop(t(y) %*% P %*% y) - (k - p)) / sum(diag(P))))
  }
  if (method == "REML") {        # REML score: y'PPy - tr(P) = 0
    return(root0(function(t2) { P <- Pmat(1 / (v + t2), X); drop(t(y) %*% P %*% P %*% y) - sum(diag(P)) }))
  }
  if (method == "PM") {          # generalised Q: y'Py = k - p
    return(root0(function(t2) drop(t(y) %*% Pmat(1 / (v + t2), X) %*% y) - (k - p)))
  }
  stop(method)
}

fit <- function(y, v, method, test = "z") {
  k <- length(y); X <- matrix(1, k, 1)
  w <- 1 / v
  mu_fe <- sum(w * y) / sum(w)
  Q <- sum(w * (y - mu_fe)^2)
  t2 <- tau2_of(y, v, X, method)
  ws <- 1 / (v + t2)
  mu <- sum(ws * y) / sum(ws)
  if (test == "knha") {
    se <- sqrt(sum(ws * (y - mu)^2) / ((k - 1) * sum(ws))); crit <- qt(0.975, k - 1)
    p <- 2 * pt(-abs(mu / se), k - 1)
  } else {
    se <- 1 / sqrt(sum(ws)); crit <- Z; p <- 2 * pnorm(-abs(mu / se))
  }
  tv <- if (k > 1) (k - 1) * sum(w) / (sum(w)^2 - sum(w^2)) else 0
  if (k == 1) { I2 <- 0; H2 <- 1 }
  else if (method == "FE") { I2 <- max(0, 100 * (Q - (k - 1)) / Q); H2 <- Q / (k - 1) }
  else { I2 <- 100 * t2 / (t2 + tv); H2 <- (t2 + tv) / tv }
  # se of tau2 as metafor 3.8 computes it (rma.uni): DL from the FE-weight P, REML 2/sum(P*P) at
  # the final tau2, PM sqrt(2k^2/(k-1))/sum(w*); none for FE.
  se_t2 <- switch(method,
    FE = NA,
    DL = { P <- Pmat(w, X); trP <- sum(diag(P))
           sqrt((2 * (k - 1) + 4 * t2 * trP + 2 * t2^2 * sum(P * P)) / trP^2) },
    REML = sqrt(2 / sum(Pmat(ws, X)^2)),
    PM = sqrt(2 * k^2 / (k - 1)) / sum(ws))
  pi <- if (method == "FE") c(NA, NA) else mu + c(-1, 1) * crit * sqrt(se^2 + t2)
  list(statistic = mu / se, df = if (test == "knha") k - 1 else NA, p_value = p, estimate = mu,
       ci_low = mu - crit * se, ci_high = mu + crit * se,
       extra = list(se = se, tau2 = t2, tau = sqrt(t2), se_tau2 = se_t2, I2 = I2, H2 = H2, Q = Q,
                    Q_df = k - 1, Q_p = pchisq(Q, k - 1, lower.tail = FALSE),
                    pi_low = pi[1], pi_high = pi[2], k = k, typical_v = tv))
}

egger <- function(y, v) {
  X <- cbind(1, sqrt(v))
  t2 <- tau2_of(y, v, X, "REML")
  W <- diag(1 / (v + t2))
  V <- solve(t(X) %*% W %*% X)
  b <- drop(V %*% t(X) %*% W %*% y)
  z <- b[2] / sqrt(V[2, 2])
  list(statistic = z, p_value = 2 * pnorm(-abs(z)), extra = list(limit_estimate = b[1]))
}

# ---- expected records ------------------------------------------------------------------------
ours <- list()
add <- function(analysis, contrast, stat_name, r) {
  ours[[paste(measure, analysis, contrast, stat_name, sep = "|")]] <<- r
}
for (i in seq_len(nrow(st))) {
  add("meta_study", st$id[i], measure,
      list(statistic = st$y[i], estimate = st$y[i], ci_low = st$y[i] - Z * sqrt(st$v[i]),
           ci_high = st$y[i] + Z * sqrt(st$v[i]),
           extra = list(vi = st$v[i], n1 = st$n1[i], n2 = st$n2[i])))
}
for (m in c("FE", "DL", "REML", "PM")) add("meta", m, "z", fit(st$y, st$v, m))
for (m in c("DL", "REML")) add("meta", paste0(m, "_HK"), "t", fit(st$y, st$v, m, "knha"))
for (i in seq_len(nrow(st))) {
  r <- fit(st$y[-i], st$v[-i], "REML")
  r$extra <- r$extra[c("tau2", "I2")]
  add("meta_leave1out", st$id[i], "z", r)
}
if (nrow(st) >= 3) add("meta_egger", "all", "z", egger(st$y, st$v))

# ---- compare ---------------------------------------------------------------------------------
ref <- fromJSON(args[[2]], simplifyVector = FALSE)
problems <- character(0)
keys <- vapply(ref, function(r) paste(r$outcome, r$analysis, r$contrast, r$statistic_name, sep = "|"), "")
if (!setequal(keys, names(ours)) || length(keys) != length(ours)) {
  problems <- c(problems, sprintf("record sets differ: only R %s; only here %s",
                                  paste(setdiff(keys, names(ours)), collapse = ","),
                                  paste(setdiff(names(ours), keys), collapse = ",")))
}
for (j in seq_along(ref)) {
  r <- ref[[j]]; o <- ours[[keys[j]]]
  if (is.null(o)) next
  fields <- c("statistic", "df", "p_value", "estimate", "ci_low", "ci_high",
              paste0("extra.", names(Filter(is.numeric, r$extra))))
  for (f in fields) {
    want <- if (startsWith(f, "extra.")) r$extra[[sub("^extra.", "", f)]] else r[[f]]
    got <- if (startsWith(f, "extra.")) o$extra[[sub("^extra.", "", f)]] else o[[f]]
    want_null <- is.null(want)
    got_null <- is.null(got) || is.na(got)
    if (want_null && got_null) next
    if (want_null != got_null) {
      problems <- c(problems, sprintf("%s %s: R %s, spec %s", keys[j], f, format(want), format(got)))
      next
    }
    pv <- f == "p_value" || startsWith(f, "extra.p_")   # as §7: extra.Q_p uses the default rule
    tol <- if (pv) 1e-14 + 1e-7 * abs(want) else 1e-12 + 1e-8 * abs(want)
    if (abs(got - want) > tol) {
      problems <- c(problems, sprintf("%s %s: R %.15g, spec %.15g (diff %.3g > %.3g)",
                                      keys[j], f, want, got, abs(got - want), tol))
    }
  }
}
if (length(problems)) {
  cat(problems, sep = "\n")
  stop(length(problems), " mismatch(es) between meta.R and the spec formulas")
}
message(sprintf("meta_check: %d records of %s agree with the spec formulas", length(ref), args[[2]]))
