#!/usr/bin/env Rscript
# imputation.R: the R reference for retrotrial's reference-based imputation by conditional mean
# (stats::imputation::condmean; records mi_mar, mi_j2r, mi_cr, mi_cir; issue 17).
#
#   Rscript tests/golden/gen/imputation.R --make-cohorts      # writes datasets/golden/imputation/*.csv
#   Rscript tests/golden/gen/imputation.R COHORT.csv OUTPUT.json
#
# Method (Wolbers et al. 2022; rbmi's method_condmean(type = "jackknife"), same_cov = TRUE; rbmi
# itself is not in Debian, so this is the documented algorithm in base R + nlme):
#  1. Fit the MMRM on the observed post-baseline values:
#       gls(value ~ baseline * timepoint + arm * timepoint,
#           correlation = corSymm(form = ~ tp_index | participant_id),
#           weights = varIdent(form = ~ 1 | timepoint), method = "REML",
#           control = glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000))
#     Means by predict(fit, newdata); Sigma = sigma^2 diag(delta) R diag(delta) (as clinical.R).
#  2. Each participant's mean vector under the assumption (reference arm `forward`): visits up to
#     the last observed one keep the own arm's mean (intermittent gaps are MAR); later visits take
#     MAR: own; J2R: reference; CIR: own(last) + ref(v) - ref(last); CR: reference at every visit.
#     No observed visit: reference mean throughout (J2R, CR, CIR). Reference-arm participants: MAR.
#  3. Missing values = conditional means mu_m + S_mo S_oo^-1 (y_o - mu_o) (matrix algebra).
#  4. ANCOVA at the primary (last) visit on all participants: lm(y ~ arm + baseline); every arm pair
#     first - second (arm order backward, forward, control).
#  5. Jackknife: steps 1-4 without each participant in turn (refitting gls);
#     se = sqrt((n - 1)/n * sum((theta_j - mean(theta))^2)); CI est +- qnorm(0.975) se;
#     p = 2 pnorm(-|est/se|) (rbmi's pool() for the jackknife).
# Also written: the MMRM (gls) contrast at the primary visit, which the MAR estimate equals; and
# the delta-adjusted MAR analysis for the tipping point: delta in TIPPING_GRID added to the imputed
# last-visit values of the backward arm (full data and every jackknife replicate), first pair only.

suppressPackageStartupMessages({
  library(jsonlite)
  library(nlme)
})

ARMS <- c("backward", "forward", "control")
REFERENCE <- "forward"
GLS_CONTROL <- glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000L)
TIPPING_GRID <- c(0, 0.5, 1, 1.5, 2)
ASSUMPTIONS <- c("mar", "jump_to_reference", "copy_reference", "copy_increments_from_reference")

# ---------------------------------------------------------------------------------------------
# Cohorts (deterministic; committed under datasets/golden/)
# ---------------------------------------------------------------------------------------------

make_cohort <- function(seed, n_per_arm, arms, n_visits, p_drop, p_gap, n_empty) {
  set.seed(seed)
  n <- n_per_arm * length(arms)
  arm <- rep(arms, each = n_per_arm)
  baseline <- round(rnorm(n, 6, 1.2), 1)
  effect <- c(backward = -0.45, forward = -0.2, control = 0)[arm]
  rho <- 0.6
  y <- matrix(NA_real_, n, n_visits)
  e <- rnorm(n)
  for (v in seq_len(n_visits)) {
    e <- rho * e + sqrt(1 - rho^2) * rnorm(n)
    y[, v] <- round(1.5 + 0.7 * baseline + effect * v + 1.1 * e, 1)
  }
  for (i in seq_len(n)) {
    drop <- which(runif(n_visits) < p_drop)
    if (length(drop) > 0 && drop[1] > 1) y[i, drop[1]:n_visits] <- NA
    gaps <- which(runif(n_visits - 1) < p_gap)
    y[i, gaps] <- NA
  }
  if (n_empty > 0) y[seq_len(n_empty) * 7, ] <- NA
  df <- data.frame(participant_id = sprintf("P%06d", seq_len(n)), arm = arm, baseline = baseline)
  for (v in seq_len(n_visits)) df[[paste0("v", v)]] <- y[, v]
  df
}

write_cohorts <- function() {
  mono <- make_cohort(1701, 20, c("backward", "forward"), 3, 0.12, 0, 0)
  inter <- make_cohort(1702, 15, ARMS, 4, 0.08, 0.08, 1)
  write.csv(mono, "datasets/golden/imputation/monotone.csv", row.names = FALSE, na = "", quote = FALSE)
  write.csv(inter, "datasets/golden/imputation/intermittent.csv", row.names = FALSE, na = "", quote = FALSE)
}

# ---------------------------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------------------------

# gls's Sigma (clinical.R's gls_sigma, positions = tp_index).
gls_sigma <- function(fit, n_tp) {
  s2 <- fit$sigma^2
  rho <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
  Rf <- diag(n_tp)
  Rf[lower.tri(Rf)] <- rho
  Rf[upper.tri(Rf)] <- t(Rf)[upper.tri(Rf)]
  delta <- coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
  delta <- delta[as.character(seq_len(n_tp))]
  S <- s2 * outer(delta, delta) * Rf
  dimnames(S) <- NULL
  S
}

fit_mmrm <- function(w, n_tp, arms) {
  long <- do.call(rbind, lapply(seq_len(n_tp), function(v) {
    data.frame(participant_id = w$participant_id, arm = w$arm, baseline = w$baseline,
               tp_index = v, value = w[[paste0("v", v)]])
  }))
  long <- long[!is.na(long$value), ]
  long <- long[order(long$participant_id, long$tp_index), ]
  long$timepoint <- factor(long$tp_index, levels = seq_len(n_tp))
  long$arm <- factor(long$arm, levels = c(REFERENCE, setdiff(arms, REFERENCE)))
  fit <- gls(value ~ baseline * timepoint + arm * timepoint, data = long,
             correlation = corSymm(form = ~ tp_index | participant_id),
             weights = varIdent(form = ~ 1 | timepoint), method = "REML", control = GLS_CONTROL)
  list(fit = fit, sigma = gls_sigma(fit, n_tp), levels = levels(long$arm))
}

# Mean of arm a at every visit for baseline b.
arm_means <- function(m, a, b, n_tp) {
  nd <- data.frame(baseline = b, timepoint = factor(seq_len(n_tp), levels = seq_len(n_tp)),
                   arm = factor(a, levels = m$levels))
  as.numeric(predict(m$fit, newdata = nd))
}

impute <- function(w, m, assumption, n_tp) {
  y <- as.matrix(w[, paste0("v", seq_len(n_tp))])
  for (i in seq_len(nrow(w))) {
    miss <- which(is.na(y[i, ]))
    if (length(miss) == 0) next
    obs <- which(!is.na(y[i, ]))
    own <- arm_means(m, w$arm[i], w$baseline[i], n_tp)
    ref <- arm_means(m, REFERENCE, w$baseline[i], n_tp)
    last <- if (length(obs)) max(obs) else 0
    mu <- own
    if (assumption != "mar" && w$arm[i] != REFERENCE) {
      after <- seq_len(n_tp) > last
      if (assumption == "copy_reference" || last == 0) {
        mu <- ref
      } else if (assumption == "jump_to_reference") {
        mu[after] <- ref[after]
      } else if (assumption == "copy_increments_from_reference") {
        mu[after] <- own[last] + ref[after] - ref[last]
      }
    }
    S <- m$sigma
    cm <- mu[miss]
    if (length(obs)) {
      cm <- cm + S[miss, obs, drop = FALSE] %*% solve(S[obs, obs, drop = FALSE], y[i, obs] - mu[obs])
    }
    y[i, miss] <- cm
  }
  y
}

# Every pair first - second of the ANCOVA at the last visit.
ancova_pairs <- function(w, y_last, arms) {
  d <- data.frame(y = y_last, baseline = w$baseline, arm = factor(w$arm, levels = arms))
  cf <- coef(lm(y ~ arm + baseline, data = d))
  eff <- c(0, cf[paste0("arm", arms[-1])])
  out <- c()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) out <- c(out, eff[i] - eff[j])
  unname(out)
}

analyse_cohort <- function(path, out) {
  w <- read.csv(path, stringsAsFactors = FALSE)
  n_tp <- sum(grepl("^v[0-9]+$", names(w)))
  arms <- ARMS[ARMS %in% w$arm]
  n <- nrow(w)
  m <- fit_mmrm(w, n_tp, arms)
  # gls's contrast at the last visit: the MAR identity's other side.
  mm <- sapply(arms, function(a) arm_means(m, a, 0, n_tp)[n_tp])
  mmrm_pairs <- c()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) mmrm_pairs <- c(mmrm_pairs, mm[i] - mm[j])
  shifted <- function(wd, y_last, delta) {
    miss <- is.na(wd[[paste0("v", n_tp)]]) & wd$arm == "backward"
    y_last[miss] <- y_last[miss] + delta
    ancova_pairs(wd, y_last, arms)[1]
  }
  mar_full <- impute(w, m, "mar", n_tp)[, n_tp]
  full <- lapply(ASSUMPTIONS, function(a) ancova_pairs(w, impute(w, m, a, n_tp)[, n_tp], arms))
  jack <- lapply(ASSUMPTIONS, function(a) matrix(NA_real_, n, length(full[[1]])))
  tip_jack <- matrix(NA_real_, n, length(TIPPING_GRID))
  for (j in seq_len(n)) {
    wj <- w[-j, ]
    mj <- fit_mmrm(wj, n_tp, arms)
    for (k in seq_along(ASSUMPTIONS)) {
      jack[[k]][j, ] <- ancova_pairs(wj, impute(wj, mj, ASSUMPTIONS[k], n_tp)[, n_tp], arms)
    }
    yj <- impute(wj, mj, "mar", n_tp)[, n_tp]
    tip_jack[j, ] <- sapply(TIPPING_GRID, function(d) shifted(wj, yj, d))
  }
  tipping <- lapply(seq_along(TIPPING_GRID), function(g) {
    est <- shifted(w, mar_full, TIPPING_GRID[g])
    th <- tip_jack[, g]
    se <- sqrt((n - 1) / n * sum((th - mean(th))^2))
    list(delta = TIPPING_GRID[g], estimate = est, se = se, p_value = 2 * pnorm(-abs(est / se)))
  })
  pairs <- list()
  for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) pairs[[length(pairs) + 1]] <- c(i, j) - 1L
  analyses <- lapply(seq_along(ASSUMPTIONS), function(k) {
    contrasts <- lapply(seq_along(pairs), function(p) {
      est <- full[[k]][p]
      th <- jack[[k]][, p]
      se <- sqrt((n - 1) / n * sum((th - mean(th))^2))
      list(first = pairs[[p]][1], second = pairs[[p]][2], estimate = est, se = se,
           ci_low = est - qnorm(0.975) * se, ci_high = est + qnorm(0.975) * se,
           p_value = 2 * pnorm(-abs(est / se)))
    })
    list(assumption = ASSUMPTIONS[k], contrasts = contrasts)
  })
  res <- list(
    cohort = basename(path),
    arms = arms,
    reference = REFERENCE,
    n_participants = n,
    n_visits = n_tp,
    primary_visit = n_tp - 1L,
    n_missing_primary = sum(is.na(w[[paste0("v", n_tp)]])),
    mmrm_primary = lapply(seq_along(pairs), function(p) {
      list(first = pairs[[p]][1], second = pairs[[p]][2], estimate = unname(mmrm_pairs[p]))
    }),
    analyses = analyses,
    tipping_mar_backward = tipping,
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    nlme_version = as.character(packageVersion("nlme"))
  )
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), out)
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 1 && args[1] == "--make-cohorts") {
  write_cohorts()
} else if (length(args) == 2) {
  analyse_cohort(args[1], args[2])
} else {
  stop("usage: Rscript imputation.R --make-cohorts | COHORT.csv OUTPUT.json")
}
