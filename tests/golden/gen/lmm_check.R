#!/usr/bin/env Rscript
# lmm_check.R: recompute the `lmm` records written by lmm.R from the spec formulas (records.md
# §5.6) with base R only (no lme4, lmerTest, nlme or pbkrtest), and compare them under the §7
# rules of tests/golden/tolerances.json, the way the golden harness compares retrotrial's records.
#
#   Rscript tests/golden/gen/lmm_check.R INPUT.csv EXPECTED_LMM.json [--verbose]
#
# What is recomputed independently:
# - the design: indicator columns built by hand in the §5.6 order, all-zero columns dropped;
# - the REML fit: the profiled criterion D(lambda) and its analytic derivative, whose root is
#   found by uniroot to machine precision (lambda = 0 when dD/dlambda(0) >= 0);
# - beta, C = sigma2_e A^-1, the variance components, reml_loglik = -D/2 (also against nlme);
# - the Satterthwaite df of every coefficient and of the interaction F (eigen-decomposition of
#   L C L', dC/dphi_k = C X'V^-1 V_k V^-1 X C, H_kl = -tr(P V_k P V_l) + 2 y'P V_k P V_l P y,
#   asymptotic covariance 2 H^-1, all analytic, dense N x N matrices), t, p, t and Wald CIs;
# - the Wald chi^2, its p and F = chi^2 / q;
# - nlme's df rule (within / between columns, intercept gets the larger) and the F_nlme record.
# Not recomputed: F_kenward_roger (pbkrtest only; reported as unchecked).
#
# It prints, per outcome, the largest |retrotrial-style exact - R| / allowed over all fields, and
# fails (exit 1) listing every field whose difference exceeds its §7 allowance.
#
# Arm, outcome and timepoint order (KNOWN_ARMS, KNOWN_OUTCOMES, csort, order_known_first,
# order_timepoints) come from common.R, shared with lmm.R; everything it recomputes is its own.

suppressPackageStartupMessages(library(jsonlite))
invisible(Sys.setlocale("LC_COLLATE", "C"))

# KNOWN_ARMS, KNOWN_OUTCOMES, csort, order_known_first, order_timepoints: common.R, next to this
# script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

# ---------------------------------------------------------------------------------------------
# §5.6 from scratch
# ---------------------------------------------------------------------------------------------

design <- function(x, arms, timepoints) {
  arms_o <- arms[arms %in% x$arm]
  tps_o <- timepoints[timepoints %in% x$timepoint]
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  ref_tp <- if ("baseline" %in% tps_o) "baseline" else tps_o[1]
  a <- setdiff(arms_o, ref_arm); t <- setdiff(tps_o, ref_tp)
  cols <- list(intercept = rep(1, nrow(x)))
  for (ai in a) cols[[paste0("arm=", ai)]] <- as.numeric(x$arm == ai)
  for (ti in t) cols[[paste0("timepoint=", ti)]] <- as.numeric(x$timepoint == ti)
  for (ti in t) for (ai in a) {
    cols[[paste0("arm=", ai, ":timepoint=", ti)]] <- as.numeric(x$arm == ai & x$timepoint == ti)
  }
  X <- do.call(cbind, cols)
  X[, colSums(X != 0) > 0, drop = FALSE]
}

reml_exact <- function(X, y, g) {
  N <- nrow(X); p <- ncol(X)
  S <- rowsum(X, g); Tt <- rowsum(y, g)[, 1]; m <- rowsum(rep(1, N), g)[, 1]
  XtX <- crossprod(X); Xty <- drop(crossprod(X, y)); yty <- sum(y^2)
  parts <- function(lam) {
    cc <- lam / (1 + m * lam); cp <- 1 / (1 + m * lam)^2
    A <- XtX - crossprod(S, S * cc)
    b <- Xty - drop(crossprod(S, cc * Tt))
    Ai <- solve(A); beta <- drop(Ai %*% b)
    r <- yty - sum(cc * Tt^2) - sum(beta * b)
    Ap <- -crossprod(S, S * cp); bp <- -drop(crossprod(S, cp * Tt))
    rp <- -sum(cp * Tt^2) - 2 * sum(beta * bp) + drop(beta %*% Ap %*% beta)
    D <- (N - p) * (1 + log(2 * pi * r / (N - p))) + sum(log1p(m * lam)) +
      as.numeric(determinant(A)$modulus)
    dD <- (N - p) * rp / r + sum(m / (1 + m * lam)) + sum(Ai * t(Ap))
    list(A = A, Ai = Ai, b = b, beta = beta, r = r, D = D, dD = dD)
  }
  f <- function(l) parts(l)$dD
  if (f(0) >= 0) {
    lam <- 0
  } else {
    hi <- 1
    while (f(hi) < 0) hi <- 2 * hi
    lam <- uniroot(f, c(0, hi), tol = 1e-300, maxiter = 10000)$root
  }
  pr <- parts(lam)
  s2e <- pr$r / (N - p)
  list(lambda = lam, dD = pr$dD, D = pr$D, beta = pr$beta, s2e = s2e, s2u = lam * s2e,
       C = s2e * pr$Ai, N = N, p = p, M = length(m))
}

satterthwaite_parts <- function(fit, X, y, g) {
  N <- nrow(X)
  Z <- outer(g, csort(g), "==") * 1
  V1 <- tcrossprod(Z); V2 <- diag(N)
  V <- fit$s2u * V1 + fit$s2e * V2
  Vi <- solve(V)
  XtVi <- crossprod(X, Vi)
  C <- solve(XtVi %*% X)
  P <- Vi - t(XtVi) %*% C %*% XtVi
  Vk <- list(V1, V2)
  dC <- lapply(Vk, function(Vm) C %*% XtVi %*% Vm %*% t(XtVi) %*% C)
  PV <- lapply(Vk, function(Vm) P %*% Vm)
  Py <- drop(P %*% y)
  H <- matrix(0, 2, 2)
  for (k in 1:2) for (l in 1:2) {
    H[k, l] <- -sum(PV[[k]] * t(PV[[l]])) + 2 * drop(Py %*% Vk[[k]] %*% PV[[l]] %*% Py)
  }
  list(C = C, dC = dC, Acov = 2 * solve(H))
}

ddf_F <- function(nu, tol = 1e-8) {
  if (length(nu) == 1L) return(nu)
  if (all(abs(diff(nu)) < tol)) return(mean(nu))
  if (any(nu <= 2)) return(2)
  E <- sum(nu / (nu - 2))
  2 * E / (E - length(nu))
}

nlme_df <- function(X, g) {
  N <- nrow(X); M <- length(unique(g))
  nonint <- colnames(X) != "intercept"
  within <- vapply(seq_len(ncol(X)), function(j) {
    any(tapply(X[, j], g, function(v) any(v != v[1])))
  }, logical(1))
  df_within <- N - M - sum(within & nonint)
  df_between <- M - 1 - sum(!within & nonint)
  df <- ifelse(within, df_within, df_between)
  df[!nonint] <- max(df_within, df_between)
  list(df = setNames(df, colnames(X)), within = df_within)
}

expected_records <- function(o, x, arms, timepoints) {
  X <- design(x, arms, timepoints)
  y <- x$value; g <- x$participant_id
  fit <- reml_exact(X, y, g)
  sp <- satterthwaite_parts(fit, X, y, g)
  stopifnot(max(abs(sp$C - fit$C)) <= 1e-9 * max(abs(fit$C)))
  C <- fit$C; beta <- setNames(fit$beta, colnames(X))
  nl <- nlme_df(X, g)
  n_obs <- nrow(X); n_part <- fit$M
  out <- list()
  key <- function(contrast, stat) paste(o, "lmm", contrast, stat, sep = "|")
  add <- function(contrast, stat, fields, extra) {
    out[[key(contrast, stat)]] <<- list(fields = fields, extra = extra)
  }
  inter <- grepl(":", colnames(X), fixed = TRUE)
  q <- sum(inter)
  L <- diag(ncol(X))[inter, , drop = FALSE]
  LCL <- L %*% C %*% t(L)
  eg <- eigen(LCL, symmetric = TRUE)
  d <- eg$values; keep <- d > sqrt(.Machine$double.eps) * d[1]
  qq <- sum(keep)
  PtL <- crossprod(eg$vectors, L)[seq_len(qq), , drop = FALSE]
  Fv <- sum(drop(PtL %*% beta)^2 / d[seq_len(qq)]) / qq
  nu <- vapply(seq_len(qq), function(mm) {
    gm <- vapply(sp$dC, function(dCk) drop(PtL[mm, ] %*% dCk %*% PtL[mm, ]), numeric(1))
    2 * d[mm]^2 / drop(gm %*% sp$Acov %*% gm)
  }, numeric(1))
  ddf <- ddf_F(nu)
  add("arm:timepoint", "F_satterthwaite",
      list(statistic = Fv, df = ddf, p_value = pf(Fv, qq, ddf, lower.tail = FALSE)),
      list(df1 = qq, df2 = ddf, n_obs = n_obs, n_participants = n_part))
  Lb <- beta[inter]
  chisq <- drop(Lb %*% solve(LCL, Lb))
  add("arm:timepoint", "F_nlme",
      list(statistic = chisq / q, df = nl$within,
           p_value = pf(chisq / q, q, nl$within, lower.tail = FALSE)),
      list(df1 = q, df2 = nl$within))
  add("arm:timepoint", "chisq_wald",
      list(statistic = chisq, df = q, p_value = pchisq(chisq, q, lower.tail = FALSE)),
      list(F = chisq / q))
  for (j in seq_len(ncol(X))) {
    se <- sqrt(C[j, j]); est <- beta[[j]]; tv <- est / se
    gj <- vapply(sp$dC, function(dCk) dCk[j, j], numeric(1))
    nuj <- 2 * C[j, j]^2 / drop(gj %*% sp$Acov %*% gj)
    tq <- qt(0.975, nuj); z <- qnorm(0.975)
    dfn <- nl$df[[j]]
    add(colnames(X)[j], "t",
        list(statistic = tv, df = nuj, p_value = 2 * pt(-abs(tv), nuj), estimate = est,
             ci_low = est - tq * se, ci_high = est + tq * se),
        list(se = se, p_normal = 2 * pnorm(-abs(tv)), ci_low_wald = est - z * se,
             ci_high_wald = est + z * se, estimate_nlme = est, se_nlme = se, df_nlme = dfn,
             p_nlme = 2 * pt(-abs(tv), dfn)))
  }
  add("variance", "sigma2_participant", list(statistic = fit$s2u, estimate = fit$s2u),
      list(sigma2_nlme = fit$s2u))
  add("variance", "sigma2_residual", list(statistic = fit$s2e, estimate = fit$s2e),
      list(sigma2_nlme = fit$s2e))
  add("model", "reml_loglik", list(statistic = -fit$D / 2),
      list(reml_criterion = fit$D, loglik_nlme = -fit$D / 2, n_obs = n_obs,
           n_participants = n_part))
  attr(out, "fit") <- fit
  attr(out, "nu") <- nu
  out
}

# ---------------------------------------------------------------------------------------------
# §7 comparison with tests/golden/tolerances.json
# ---------------------------------------------------------------------------------------------

glob_match <- function(pattern, x) grepl(utils::glob2rx(pattern), x)

find_rule <- function(rules, analysis, stat, field) {
  for (r in rules) {
    if (glob_match(r$analysis, analysis) && glob_match(r$statistic_name, stat) &&
        any(vapply(r$fields, function(f) glob_match(f, field), logical(1)))) return(r)
  }
  stop("no rule for ", field)
}

main <- function(args) {
  verbose <- "--verbose" %in% args
  args <- setdiff(args, "--verbose")
  if (length(args) != 2L) stop("usage: Rscript lmm_check.R INPUT.csv EXPECTED_LMM.json [--verbose]")
  here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))
  rules <- fromJSON(file.path(here, "..", "tolerances.json"), simplifyVector = FALSE)$rules
  d <- read.csv(args[[1]], colClasses = c(rep("character", 4), "numeric"),
                na.strings = c("", "NA"))
  R <- fromJSON(args[[2]], simplifyVector = FALSE)
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
  problems <- character(0)
  n_checked <- 0L; n_unchecked <- 0L
  for (o in outcomes) {
    x <- d[d$outcome == o & !is.na(d$value), ]
    Ro <- Filter(function(r) r$outcome == o, R)
    if (length(Ro) == 0L) {
      cat(sprintf("%s: no lmm records in the R output (not checked)\n", o))
      next
    }
    exp <- expected_records(o, x, arms, timepoints)
    fit <- attr(exp, "fit")
    worst <- 0; worst_where <- ""; rel_max <- c(main = 0, df = 0, p = 0, nlme = 0)
    keys_R <- vapply(Ro, function(r) paste(r$outcome, r$analysis, r$contrast, r$statistic_name,
                                           sep = "|"), character(1))
    missing <- setdiff(names(exp), keys_R)
    if (length(missing)) problems <- c(problems, paste("record missing in R output:", missing))
    for (r in Ro) {
      k <- paste(r$outcome, r$analysis, r$contrast, r$statistic_name, sep = "|")
      if (r$statistic_name == "F_kenward_roger") { n_unchecked <- n_unchecked + 1L; next }
      e <- exp[[k]]
      if (is.null(e)) { problems <- c(problems, paste("unexpected R record", k)); next }
      n_checked <- n_checked + 1L
      vals <- c(e$fields, setNames(e$extra, paste0("extra.", names(e$extra))))
      S <- if (is.null(r$extra$se)) 0 else r$extra$se
      for (f in names(vals)) {
        Rv <- if (startsWith(f, "extra.")) r$extra[[sub("^extra\\.", "", f)]] else r[[f]]
        ours <- vals[[f]]
        if (is.null(Rv)) next
        rule <- find_rule(rules, "lmm", r$statistic_name, f)
        if (isTRUE(rule$ignore)) next
        allowed <- rule$abs + rule$rel * abs(Rv) + rule$k * abs(S)
        diff <- abs(ours - Rv)
        ratio <- diff / allowed
        rel <- diff / max(abs(Rv), 1e-300)
        cls <- if (grepl("nlme", f)) "nlme" else if (f %in% c("p_value", "extra.p_normal")) "p" else
          if (f %in% c("df", "extra.df2")) "df" else "main"
        rel_max[cls] <- max(rel_max[cls], rel)
        if (ratio > worst) { worst <- ratio; worst_where <- paste(r$contrast, r$statistic_name, f) }
        if (verbose) cat(sprintf("  %-45s %-18s %-22s R %.15g exact %.15g rel %.2e\n", r$contrast,
                                 r$statistic_name, f, Rv, ours, rel))
        if (!(diff <= allowed)) {
          problems <- c(problems, sprintf("%s %s: R %.15g, exact %.15g, |diff| %.3g > allowed %.3g",
                                          k, f, Rv, ours, diff, allowed))
        }
      }
    }
    cat(sprintf(paste0("%s: lambda %.15g (dD/dlambda %.1e); max |diff|/allowed %.3g at %s; ",
                       "max rel diff: estimates/SE/F %.1e, Satterthwaite df %.1e, p %.1e, nlme %.1e\n"),
                o, fit$lambda, fit$dD, worst, worst_where, rel_max[["main"]], rel_max[["df"]],
                rel_max[["p"]], rel_max[["nlme"]]))
  }
  cat(sprintf("checked %d records (%d F_kenward_roger not recomputed)\n", n_checked, n_unchecked))
  if (length(problems)) {
    cat(problems, sep = "\n")
    quit(status = 1)
  }
}

main(commandArgs(trailingOnly = TRUE))
