#!/usr/bin/env Rscript
# mmrm_options.R: the nlme + emmeans peer of retrotrial's MMRM-options benches (issue 18;
# benches/stats.rs `mmrm_auto_aic_300x4` and, with --big, `mmrm_us_kenward_roger_10000x4`).
#   (a) structure = "auto": gls with each structure gls can express (us, cs, csh, ar1, ar1h,
#       toep, toeph), AIC, then emmeans LS means by arm x visit and joint_tests on the best;
#   (b) --big: the unstructured gls on 10,000 x 4 with emmeans LS means (nlme and emmeans have
#       no Kenward-Roger for gls: this times the fit and the LS means only, a lower bound).
# The data follow the bench's generator (3 arms, ~15 % dropout, 3 % gaps) with R's RNG.
#
#   Rscript benches/peers/mmrm_options.R [--big]
# prints the wall time of each part.

suppressPackageStartupMessages({ library(nlme); library(emmeans) })
set.seed(42)
big <- "--big" %in% commandArgs(trailingOnly = TRUE)

trial <- function(n, V = 4) {
  arms <- c("backward", "forward", "control")
  rows <- list()
  for (i in seq_len(n)) {
    a <- (i - 1) %% 3
    b <- 6 + 1.2 * rnorm(1)
    e <- rnorm(1)
    drop <- if (runif(1) < 0.15) sample(1:3, 1) else 4
    for (v in seq_len(V)) {
      e <- 0.6 * e + 0.8 * rnorm(1)
      if (v <= drop && !(v < V && runif(1) < 0.03)) {
        rows[[length(rows) + 1L]] <- data.frame(id = i, arm = arms[a + 1], tp = v, baseline = b,
          value = 1.5 + 0.7 * b - 0.15 * (3 - a) * v + e)
      }
    }
  }
  d <- do.call(rbind, rows)
  d$arm <- factor(d$arm, levels = c("forward", "backward", "control"))
  d$timepoint <- factor(d$tp)
  d$id <- factor(d$id)
  d
}

fit <- function(d, s) {
  V <- nlevels(d$timepoint)
  cor <- switch(s, us = corSymm(form = ~ tp | id), cs = , csh = corCompSymm(form = ~ tp | id),
                ar1 = , ar1h = corAR1(form = ~ tp | id),
                toep = , toeph = corARMA(form = ~ tp | id, p = V - 1, q = 0))
  w <- if (s %in% c("us", "csh", "ar1h", "toeph")) varIdent(form = ~ 1 | timepoint) else NULL
  gls(value ~ baseline * timepoint + arm * timepoint, data = d, correlation = cor, weights = w,
      method = "REML")
}

d <- trial(300)
t0 <- proc.time()[["elapsed"]]
fits <- lapply(c("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph"),
               function(s) tryCatch(fit(d, s), error = function(e) NULL))
aic <- vapply(fits, function(f) if (is.null(f)) Inf else AIC(f), 0)
best <- fits[[which.min(aic)]]
em <- emmeans(best, ~ arm | timepoint, data = d, mode = "df.error")
jt <- joint_tests(best, data = d, mode = "df.error")
cat(sprintf("auto (7 gls structures) + emmeans + joint_tests, 300 x 4: %.3f s\n",
            proc.time()[["elapsed"]] - t0))
if (big) {
  d <- trial(10000)
  t0 <- proc.time()[["elapsed"]]
  f <- fit(d, "us")
  em <- emmeans(f, ~ arm | timepoint, data = d, mode = "df.error")
  cat(sprintf("unstructured gls + emmeans, 10,000 x 4: %.3f s\n", proc.time()[["elapsed"]] - t0))
}
