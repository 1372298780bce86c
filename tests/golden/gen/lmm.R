#!/usr/bin/env Rscript
# lmm.R: the R reference for retrotrial's `lmm` records (records.md §4 `lmm` rows, §5.6, §6.1,
# §6.3).
#
#   Rscript tests/golden/gen/lmm.R INPUT.csv OUTPUT.json
#
# For every outcome of a trial CSV it fits the random-intercept model of §5.6,
#   lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id), REML = TRUE,
#                  control = lmerControl(calc.derivs = FALSE))
#   nlme::lme(value ~ arm * timepoint, random = ~ 1 | participant_id, method = "REML")
# (nlme with its default nlminb optimiser, lmeControl(opt = "optim") only if that fails), and
# writes the `lmm` records in this order per outcome:
#   arm:timepoint  F_satterthwaite, F_kenward_roger (n_obs <= 5000), F_nlme, chisq_wald;
#   intercept, arm=X, timepoint=T, arm=X:timepoint=T  t   (model-matrix column order);
#   variance       sigma2_participant, sigma2_residual;
#   model          reml_loglik.
# Outcomes follow §3 order. Every number is R's (lmerTest / pbkrtest / nlme); only the Wald chi^2
# is formed here from fixef() and vcov(), as the spec says. lmm_check.R recomputes the lme4
# numbers from the §5.6 formulas.
#
# Input reading, validation, ordering and the JSON output are analyze.R's: HEADER, KNOWN_ARMS,
# KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints and write_records come
# from common.R, shared with it.
# num and rec below are copies of analyze.R's (keep them in sync); attempt differs (returns NULL).

suppressPackageStartupMessages({
  library(jsonlite)
  library(lme4)
  library(lmerTest)
  library(nlme)
  library(pbkrtest)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))

# HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints,
# write_records: common.R, next to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

Z975 <- qnorm(0.975)
KR_MAX_OBS <- 5000L   # §5.6 / §6.3: Kenward-Roger only when n_obs <= 5000
NLME_EM_ITER <- 500L  # nlme EM iterations before nlminb (see fit_nlme)

# ---------------------------------------------------------------------------------------------
# Records (input reading and ordering: common.R)
# ---------------------------------------------------------------------------------------------

num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(x)
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
       extra = lapply(extra, function(v) if (is.character(v)) unname(v) else num(v)))
}

attempt <- function(label, expr) {
  tryCatch(expr, error = function(e) {
    message(sprintf("FAILED %s: %s", label, conditionMessage(e)))
    NULL
  })
}

# Evaluate expr; messages and warnings are printed as notes (prefixed with label) and muffled,
# and their texts are returned alongside the value so the caller can react to specific ones.
with_notes <- function(label, expr) {
  notes <- character(0)
  value <- withCallingHandlers(expr,
    message = function(m) {
      txt <- trimws(conditionMessage(m))
      notes <<- c(notes, txt)
      message(sprintf("note: %s: %s", label, gsub("\n", " ", txt)))
      invokeRestart("muffleMessage")
    },
    warning = function(w) {
      txt <- trimws(conditionMessage(w))
      notes <<- c(notes, txt)
      message(sprintf("note: %s: warning: %s", label, gsub("\n", " ", txt)))
      invokeRestart("muffleWarning")
    })
  list(value = value, notes = notes)
}

# ---------------------------------------------------------------------------------------------
# Model data and columns (§3, §5.6)
# ---------------------------------------------------------------------------------------------

# Every non-missing row of the outcome, at all timepoints, including participants without a
# baseline row. Rows are sorted by participant_id (bytewise), then timepoint order, so the result
# does not depend on the file's row order. Arm and timepoint levels are those present in these
# rows, in §3 order; the reference arm is `forward` if present, else the first present arm; the
# reference timepoint is `baseline` if present, else the first present timepoint.
model_data <- function(d_o, arms, timepoints) {
  x <- d_o[!is.na(d_o$value), c("participant_id", "arm", "timepoint", "value"), drop = FALSE]
  arms_o <- arms[arms %in% x$arm]
  tps_o <- timepoints[timepoints %in% x$timepoint]
  if (length(arms_o) < 2L || length(tps_o) < 2L) return(NULL)
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  ref_tp <- if ("baseline" %in% tps_o) "baseline" else tps_o[1]
  arm_levels <- c(ref_arm, setdiff(arms_o, ref_arm))
  tp_levels <- c(ref_tp, setdiff(tps_o, ref_tp))
  x <- x[order(x$participant_id, match(x$timepoint, tp_levels), method = "radix"), , drop = FALSE]
  rownames(x) <- NULL
  x$arm <- factor(x$arm, levels = arm_levels)
  x$timepoint <- factor(x$timepoint, levels = tp_levels)
  x$participant_id <- factor(x$participant_id, levels = csort(x$participant_id))
  # Column labels of §5.6 next to R's coefficient names, in model.matrix order (interactions
  # timepoint-major, arm fastest).
  a <- arm_levels[-1]; t <- tp_levels[-1]
  r_names <- c("(Intercept)", paste0("arm", a), paste0("timepoint", t),
               paste0("arm", rep(a, times = length(t)), ":timepoint", rep(t, each = length(a))))
  labels <- c("intercept", paste0("arm=", a), paste0("timepoint=", t),
              paste0("arm=", rep(a, times = length(t)), ":timepoint=", rep(t, each = length(a))))
  X <- model.matrix(~ arm * timepoint, data = x)
  stopifnot(identical(colnames(X), r_names))
  nonzero <- colSums(X != 0) > 0
  list(data = x, X = X, r_names = r_names, labels = labels, nonzero = nonzero,
       interaction = grepl(":", r_names, fixed = TRUE), ref_arm = ref_arm, ref_tp = ref_tp)
}

# ---------------------------------------------------------------------------------------------
# nlme (§5.6, §6.1): nlminb, lmeControl(opt = "optim") only when that fails; both with
# niterEM = NLME_EM_ITER instead of the default 25. With the default, nlme's nlminb stops up to
# 1.1e-5 relative from the REML optimum on these cases (ties_small womac_total sigma2: 1.1e-5,
# small40 quad_strength_kg 9e-6), beyond the §7 rule for extra.sigma2_nlme (rel 2e-6); nlme's
# EM iterations converge to the optimum (<= 1e-13 relative on every golden outcome with 200 or
# more, checked by lmm_check.R), and nlminb then stops there. The model is unchanged; only the
# optimiser's starting point is. With all
# model-matrix columns non-zero the formula of §5.6 is fitted and the interaction is tested by
# anova(type = "marginal"). lme cannot fit a rank-deficient X ("Singularity in backsolve"), so
# when empty cells removed columns the same model is fitted on the reduced matrix (value ~ 0 + Xr;
# nlme's per-column df rule is unchanged) and the interaction is tested by anova(fit, L = ...).
# ---------------------------------------------------------------------------------------------

fit_nlme <- function(md, label) {
  dat <- md$data
  full <- all(md$nonzero)
  if (full) {
    fit_with <- function(ctrl) lme(value ~ arm * timepoint, random = ~ 1 | participant_id,
                                   data = dat, method = "REML", control = ctrl)
  } else {
    dat$Xr <- md$X[, md$nonzero, drop = FALSE]
    fit_with <- function(ctrl) lme(value ~ 0 + Xr, random = ~ 1 | participant_id,
                                   data = dat, method = "REML", control = ctrl)
  }
  opt <- sprintf("nlminb, niterEM = %d", NLME_EM_ITER)
  fit <- tryCatch(
    with_notes(label, fit_with(lmeControl(niterEM = NLME_EM_ITER)))$value,
    error = function(e) {
      message(sprintf("note: %s: nlme nlminb failed (%s); retrying with opt = \"optim\"",
                      label, conditionMessage(e)))
      NULL
    })
  if (is.null(fit)) {
    opt <- sprintf("optim, niterEM = %d", NLME_EM_ITER)
    fit <- with_notes(label, fit_with(lmeControl(opt = "optim", niterEM = NLME_EM_ITER)))$value
  }
  tt <- summary(fit)$tTable
  kept <- md$r_names[md$nonzero]
  rownames(tt) <- if (full) rownames(tt) else sub("^Xr", "", rownames(tt))
  stopifnot(identical(rownames(tt), kept))
  if (full) {
    av <- anova(fit, type = "marginal")["arm:timepoint", ]
  } else {
    inter <- md$interaction[md$nonzero]
    L <- diag(length(kept))[inter, , drop = FALSE]
    av <- anova(fit, L = L)
  }
  list(fit = fit, opt = opt, tTable = tt, F = num(av[["F-value"]]), df1 = num(av[["numDF"]]),
       df2 = num(av[["denDF"]]), p = num(av[["p-value"]]),
       sigma2_u = num(getVarCov(fit)[1, 1]), sigma2_e = fit$sigma^2,
       loglik = as.numeric(logLik(fit)))
}

# ---------------------------------------------------------------------------------------------
# One outcome
# ---------------------------------------------------------------------------------------------

lmm_outcome <- function(o, d_o, arms, timepoints) {
  md <- model_data(d_o, arms, timepoints)
  if (is.null(md)) {
    message(sprintf("note: %s lmm: fewer than 2 arms or 2 timepoints with values; no records", o))
    return(list())
  }
  dat <- md$data
  n_obs <- nrow(dat)
  n_part <- nlevels(dat$participant_id)
  label <- sprintf("%s lmm", o)

  fit <- with_notes(label, lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id),
                                          data = dat, REML = TRUE,
                                          control = lmerControl(calc.derivs = FALSE)))
  m <- fit$value
  if (!inherits(m, "lmerModLmerTest")) stop("lmerTest could not compute the Satterthwaite quantities")
  beta <- fixef(m)
  kept <- md$r_names[md$nonzero]
  # §5.6: only all-zero columns (empty arm x timepoint cells) may be dropped. Any other rank
  # deficiency (e.g. a timepoint observed in one arm only) is a failure of the whole outcome.
  if (!identical(names(beta), kept)) {
    stop("lme4 kept columns ", paste(names(beta), collapse = ","), " but the non-zero columns are ",
         paste(kept, collapse = ","))
  }
  labels <- md$labels[md$nonzero]
  inter <- md$interaction[md$nonzero]
  q <- sum(inter)
  if (q == 0L) stop("no interaction column left (every non-reference cell is empty)")
  V <- as.matrix(vcov(m))

  out <- list()
  add <- function(r) out[[length(out) + 1L]] <<- r

  # Type-III interaction F, Satterthwaite (lmerTest contestMD).
  sat <- with_notes(label, anova(m, type = 3, ddf = "Satterthwaite"))$value["arm:timepoint", ]
  add(rec(o, "lmm", "arm:timepoint", "F_satterthwaite", statistic = sat[["F value"]],
          df = sat[["DenDF"]], p_value = sat[["Pr(>F)"]],
          extra = list(df1 = sat[["NumDF"]], df2 = sat[["DenDF"]], type = "III",
                       n_obs = n_obs, n_participants = n_part)))

  # Kenward-Roger (pbkrtest through lmerTest), only for n_obs <= 5000. lmerTest silently falls
  # back to Satterthwaite (with a warning) when pbkrtest fails; that is a KR failure here.
  if (n_obs <= KR_MAX_OBS) {
    kr_rec <- attempt(sprintf("%s lmm F_kenward_roger", o), {
      kr <- with_notes(label, anova(m, type = 3, ddf = "Kenward-Roger"))
      if (any(grepl("Unable to compute Kenward-Roger", kr$notes, fixed = TRUE))) {
        stop("pbkrtest failed; lmerTest fell back to Satterthwaite")
      }
      a <- kr$value["arm:timepoint", ]
      rec(o, "lmm", "arm:timepoint", "F_kenward_roger", statistic = a[["F value"]],
          df = a[["DenDF"]], p_value = a[["Pr(>F)"]],
          extra = list(df1 = a[["NumDF"]], df2 = a[["DenDF"]]))
    })
    if (!is.null(kr_rec)) add(kr_rec)
  }

  # nlme. If it fails with both optimisers, F_nlme is omitted and the *_nlme extras are null.
  nl <- attempt(sprintf("%s lmm nlme", o), fit_nlme(md, label))
  if (!is.null(nl)) {
    add(rec(o, "lmm", "arm:timepoint", "F_nlme", statistic = nl$F, df = nl$df2, p_value = nl$p,
            extra = list(df1 = nl$df1, df2 = nl$df2)))
  }

  # Wald chi^2 of the interaction coefficients, from fixef() and vcov().
  Lb <- beta[inter]
  chisq <- drop(crossprod(Lb, solve(V[inter, inter, drop = FALSE], Lb)))
  add(rec(o, "lmm", "arm:timepoint", "chisq_wald", statistic = chisq, df = q,
          p_value = pchisq(chisq, q, lower.tail = FALSE), extra = list(F = chisq / q)))

  # Fixed effects: lmerTest's summary (Satterthwaite df per coefficient) and nlme's tTable.
  co <- summary(m)$coefficients
  stopifnot(identical(rownames(co), kept))
  for (j in seq_along(kept)) {
    est <- co[j, "Estimate"]; se <- co[j, "Std. Error"]; dfj <- co[j, "df"]
    tval <- co[j, "t value"]
    tq <- qt(0.975, dfj)
    nlx <- if (is.null(nl)) rep(NA_real_, 4) else
      unname(nl$tTable[j, c("Value", "Std.Error", "DF", "p-value")])
    add(rec(o, "lmm", labels[j], "t", statistic = tval, df = dfj,
            p_value = co[j, "Pr(>|t|)"], estimate = est,
            ci_low = est - tq * se, ci_high = est + tq * se,
            extra = list(se = se, df_method = "Satterthwaite", p_normal = 2 * pnorm(-abs(tval)),
                         ci_low_wald = est - Z975 * se, ci_high_wald = est + Z975 * se,
                         estimate_nlme = nlx[1], se_nlme = nlx[2], df_nlme = nlx[3],
                         p_nlme = nlx[4])))
  }

  # Variance components.
  vc <- as.data.frame(VarCorr(m))
  s2u <- vc$vcov[vc$grp == "participant_id"]
  s2e <- vc$vcov[vc$grp == "Residual"]
  stopifnot(length(s2u) == 1L, length(s2e) == 1L, abs(s2e - sigma(m)^2) <= 1e-12 * s2e)
  add(rec(o, "lmm", "variance", "sigma2_participant", statistic = s2u, estimate = s2u,
          extra = list(sigma2_nlme = if (is.null(nl)) NA_real_ else nl$sigma2_u)))
  add(rec(o, "lmm", "variance", "sigma2_residual", statistic = s2e, estimate = s2e,
          extra = list(sigma2_nlme = if (is.null(nl)) NA_real_ else nl$sigma2_e)))

  # Model: REML log-likelihood = -REMLcrit / 2.
  crit <- REMLcrit(m)
  ll <- as.numeric(logLik(m))
  stopifnot(abs(ll + crit / 2) <= 1e-10 * max(1, abs(ll)))
  add(rec(o, "lmm", "model", "reml_loglik", statistic = ll,
          extra = list(reml_criterion = crit,
                       loglik_nlme = if (is.null(nl)) NA_real_ else nl$loglik,
                       n_obs = n_obs, n_participants = n_part,
                       reference_arm = md$ref_arm, reference_timepoint = md$ref_tp,
                       nlme_optimizer = if (is.null(nl)) NA_character_ else nl$opt)))
  out
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main <- function(args) {
  if (length(args) != 2L) stop("usage: Rscript lmm.R INPUT.csv OUTPUT.json")
  d <- read_trial(args[[1]])
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)

  records <- list()
  for (o in outcomes) {
    d_o <- d[d$outcome == o, , drop = FALSE]
    r <- attempt(sprintf("%s lmm", o), lmm_outcome(o, d_o, arms, timepoints))
    records <- c(records, r)
  }

  write_records(records, args[[2]])
}

main(commandArgs(trailingOnly = TRUE))
