#!/usr/bin/env Rscript
# clinical.R: the R reference for retrotrial's `mmrm`, `responders` and `flow` records
# (records.md §3, §4.1 "Longitudinal and clinical records", §7).
#
#   Rscript tests/golden/gen/clinical.R INPUT.csv OUTPUT.json [--study study.toml]
#
# Per outcome (§3 order) it writes, in this order:
#   mmrm        A-B@TIMEPOINT  t            every arm pair (i < j) x every post-baseline timepoint
#               model          reml_loglik
#   responders  ARM            proportion   (only for outcomes with an MCID in the study file)
#               A-B            risk_difference, risk_ratio, nnt   (per pair)
#   flow        ARM@TIMEPOINT  n_observed   every arm x every timepoint of the file
#               dropout        p_differential
#
# MMRM: nlme::gls(value ~ baseline * timepoint + arm * timepoint,
#                 correlation = corSymm(form = ~ tp_index | participant_id),
#                 weights = varIdent(form = ~ 1 | timepoint), method = "REML")
# on the post-baseline rows of participants with a baseline value (with one post-baseline
# timepoint: gls(value ~ baseline + arm, method = "REML"), the ANCOVA), with
# control = glsControl(opt = "optim", msTol = 1e-15, msMaxIter = 10000) (see fit_gls: gls's
# default nlminb stops too early). Estimates, SEs and the log-likelihood are gls's. The
# Satterthwaite df (not in nlme; the `mmrm` package is not in Debian) follow the mmrm package's
# documentation (vignette "Satterthwaite", Christensen 2018):
#   nu = 2 f^2 / (g' W g),  f = l' C l,  C = (X' V^-1 X)^-1,  g = df/dtheta,
#   W = inverse observed information of the covariance parameters (the REML Hessian of -loglik),
# computed here with analytic derivatives at gls's covariance matrix (see satterthwaite()).
# After every fit the script also finds the exact REML optimum by Newton's method from gls's
# estimate and stops (no output) if gls's numbers are not within a quarter of the proposed
# tolerance of the exact ones; with complete data it checks the estimates, SEs and df against
# per-timepoint lm(value ~ baseline + arm) (GLS = OLS there and nu = the ANCOVA residual df).
#
# Input reading, validation, ordering, the complete cases, pairs_of and the JSON output (HEADER,
# KNOWN_ARMS, KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints,
# complete_cases, pairs_of, write_records) come from common.R, shared with analyze.R and the other
# golden scripts. num, rec, check, attempt and read_study are this script's own (each differs
# from another script's copy of the same name, so they are not shared).

suppressPackageStartupMessages({
  library(jsonlite)
  library(nlme)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))

# HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints,
# complete_cases, pairs_of, write_records: common.R, next to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

Z975 <- qnorm(0.975)
ANCOVA_DF_METHOD <- "residual (one post-baseline timepoint: the MMRM is the ANCOVA)"

# The tolerance proposed for `mmrm` (tolerances.json): |ours - R| <= abs + rel*|R| + k*|se|.
MMRM_TOL <- list(abs = 1e-10, rel = 2e-6, k = 2e-6)
# gls must be within this fraction of that tolerance of the exact REML numbers.
GLS_GUARD <- 0.25

# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

parse_args <- function(args) {
  usage <- "usage: Rscript clinical.R INPUT.csv OUTPUT.json [--study study.toml]"
  study <- NULL
  pos <- character(0)
  i <- 1L
  while (i <= length(args)) {
    a <- args[[i]]
    if (startsWith(a, "--study=")) {
      study <- sub("^--study=", "", a)
    } else if (a == "--study") {
      if (i == length(args)) stop(usage)
      i <- i + 1L
      study <- args[[i]]
    } else if (startsWith(a, "--")) {
      stop("unknown option ", a, "\n", usage)
    } else {
      pos <- c(pos, a)
    }
    i <- i + 1L
  }
  if (length(pos) != 2L) stop(usage)
  list(input = pos[[1]], output = pos[[2]], study = study)
}

# ---------------------------------------------------------------------------------------------
# Study file: the [outcomes.NAME] tables of retrotrial's study TOML. Only the subset of TOML those
# tables use is read (key = "string" | number, comments, blank lines); any other table is an
# error, so a study file that would change the design (arms, timepoints, primary timepoint) is
# not silently ignored.
# ---------------------------------------------------------------------------------------------

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
    # The margins of the tost / non_inferiority records (tost.R reads them).
    if (key %in% c("equivalence_margin", "non_inferiority_margin")) next
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

# ---------------------------------------------------------------------------------------------
# Records (input reading and ordering: common.R)
# ---------------------------------------------------------------------------------------------

# NULL/NA/NaN/±Inf all become JSON null; numbers lose R names.
num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(x)
  if (is.logical(x) && all(is.na(x))) return(NA_real_)
  if (is.numeric(x)) x[!is.finite(x)] <- NA
  x
}

# Like analyze.R's rec(), but `extra` may be empty (written as {}).
rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA,
                extra = setNames(list(), character(0))) {
  stopifnot(!is.null(names(extra)))
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high),
       extra = lapply(extra, function(v) if (is.character(v)) unname(v) else num(v)))
}

# A failed self-check is a problem of this reference, not of the data: it stops the whole script
# (no output file), unlike a unit that R cannot compute (a FAILED line; its records are omitted).
check <- function(what, ok) {
  if (!isTRUE(all(ok))) {
    stop(structure(class = c("check_failure", "error", "condition"),
                   list(message = paste("self-check failed:", what), call = NULL)))
  }
  invisible(TRUE)
}

attempt <- function(label, expr) {
  tryCatch(expr, error = function(e) {
    if (inherits(e, "check_failure")) stop(e)
    message(sprintf("FAILED %s: %s", label, conditionMessage(e)))
    list()
  })
}

# ---------------------------------------------------------------------------------------------
# MMRM: data, design and gls fit
# ---------------------------------------------------------------------------------------------

# Post-baseline rows with a value, of participants with a baseline value of this outcome; the
# baseline value is the covariate `baseline`. Levels: the arms and post-baseline timepoints that
# have at least one such row, in §3 order; reference arm `forward` if present, else the first
# (treatment coding; it changes no record). Rows sorted by participant_id (bytewise), then
# timepoint order. tp_index = position of the timepoint among the levels (1..T).
mmrm_data <- function(d_o, arms, timepoints) {
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[2] <- "baseline"
  x <- d_o[d_o$timepoint != "baseline" & !is.na(d_o$value),
           c("participant_id", "arm", "timepoint", "value"), drop = FALSE]
  x <- merge(x, base, by = "participant_id")
  arms_o <- arms[arms %in% x$arm]
  tps_o <- timepoints[timepoints %in% x$timepoint]
  if (length(arms_o) < 2L || length(tps_o) < 1L) return(NULL)
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  x <- x[order(x$participant_id, match(x$timepoint, tps_o), method = "radix"), , drop = FALSE]
  rownames(x) <- NULL
  x$arm <- factor(x$arm, levels = c(ref_arm, setdiff(arms_o, ref_arm)))
  x$timepoint <- factor(x$timepoint, levels = tps_o)
  x$tp_index <- as.integer(x$timepoint)
  x$participant_id <- factor(x$participant_id, levels = csort(x$participant_id))
  list(data = x, arms = arms_o, tps = tps_o, ref_arm = ref_arm)
}

mmrm_formula <- function(n_tp) {
  if (n_tp == 1L) value ~ baseline + arm else value ~ baseline * timepoint + arm * timepoint
}

# gls's optimiser (a deviation from the default glsControl(), see the README): gls passes no
# rel.tol to nlminb, whose default stops where -loglik changes by < 1e-10 relative; on trial300
# that leaves Sigma up to 8e-6 relative from the REML optimum (SE 1.1e-6, df 4.5e-6, p 1.4e-5),
# outside the proposed `mmrm` tolerance. With opt = "optim" (BFGS, gls's optimMethod default) and
# msTol = 1e-15 (optim's reltol) Sigma is within 1e-7 of the optimum on every golden outcome.
# If optim fails, the default nlminb fit is used (the guard in mmrm_outcome then decides).
GLS_CONTROL <- glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000L)
GLS_OPTIMIZER <- "optim BFGS, msTol = 1e-15"

fit_gls <- function(md, label) {
  dat <- md$data
  if (length(md$tps) == 1L) {
    # One variance parameter: REML sigma^2 = RSS / (N - p) in closed form; no optimiser.
    return(list(fit = gls(value ~ baseline + arm, data = dat, method = "REML"),
                opt = "none (one post-baseline timepoint)"))
  }
  fit_with <- function(ctrl) {
    gls(value ~ baseline * timepoint + arm * timepoint, data = dat,
        correlation = corSymm(form = ~ tp_index | participant_id),
        weights = varIdent(form = ~ 1 | timepoint), method = "REML", control = ctrl)
  }
  tryCatch(list(fit = fit_with(GLS_CONTROL), opt = GLS_OPTIMIZER), error = function(e) {
    message(sprintf("note: %s: gls with %s failed (%s); using glsControl() (nlminb)",
                    label, GLS_OPTIMIZER, conditionMessage(e)))
    list(fit = fit_with(glsControl()), opt = "nlminb (glsControl() default)")
  })
}

# gls's T x T covariance matrix Sigma = sigma^2 * diag(delta) R diag(delta) (positions = tp_index).
gls_sigma <- function(fit, tps) {
  n_tp <- length(tps)
  s2 <- fit$sigma^2
  if (n_tp == 1L) return(matrix(s2, 1L, 1L))
  cs <- fit$modelStruct$corStruct
  R <- corMatrix(cs)
  # corMatrix gives one matrix per participant; take the full T x T from the parameters.
  rho <- coef(cs, unconstrained = FALSE)
  Rf <- diag(n_tp)
  Rf[lower.tri(Rf)] <- rho          # corSymm: lower triangle stacked by column (checked below)
  Rf[upper.tri(Rf)] <- t(Rf)[upper.tri(Rf)]
  delta <- coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
  check("varIdent strata are the timepoints", setequal(names(delta), tps))
  delta <- delta[tps]                # varIdent: SD ratio per timepoint, named by timepoint
  S <- s2 * outer(delta, delta) * Rf
  dimnames(S) <- NULL
  # Check the reading of corSymm's parameters against one participant with every timepoint.
  full <- NULL
  for (g in names(R)) if (nrow(R[[g]]) == n_tp) { full <- R[[g]]; break }
  if (!is.null(full)) {
    check("corSymm parameters read in lower.tri order", max(abs(full - Rf)) <= 1e-12)
  }
  S
}

# ---------------------------------------------------------------------------------------------
# REML quantities at a given Sigma (dense N x N; V is block-diagonal by participant). The
# covariance parameters theta are the T(T+1)/2 distinct elements of Sigma, in the order of
# which(lower.tri(Sigma, diag = TRUE)). V is linear in theta, so with D = -2 * REML loglik
# (without the constant),
#   D      = log|V| + log|X'V^-1 X| + r'V^-1 r
#   dD/dk  = tr(P V_k) - y'P V_k P y
#   d2D/dkdl = -tr(P V_k P V_l) + 2 y'P V_k P V_l P y          (exact: V_kl = 0)
#   dC/dk  = C X'V^-1 V_k V^-1 X C  =>  d(l'Cl)/dk = u'V_k u,  u = V^-1 X C l
#   W      = (d2(-loglik))^-1 = 2 * (d2D)^-1
# The Satterthwaite nu = 2 (l'Cl)^2 / (g'Wg) is invariant to the parametrisation of Sigma at the
# optimum (g and the Hessian transform with the same Jacobian), so it equals mmrm's
# (log-Cholesky theta) nu there.
# ---------------------------------------------------------------------------------------------

reml_setup <- function(md, X) {
  dat <- md$data
  n_tp <- length(md$tps)
  pid <- as.integer(dat$participant_id)
  tp <- dat$tp_index
  N <- nrow(dat)
  # Row index of (participant, timepoint), NA when not observed.
  pos <- matrix(NA_integer_, nlevels(dat$participant_id), n_tp)
  pos[cbind(pid, tp)] <- seq_len(N)
  lt <- which(lower.tri(diag(n_tp), diag = TRUE), arr.ind = TRUE)   # (row a, col b), a >= b
  # For parameter k = Sigma[a, b]: V_k has ones at (i_a, i_b) and (i_b, i_a) of every participant
  # observed at both. partner[j] = the row whose column of P makes column j of P V_k (NA: zero).
  partner <- lapply(seq_len(nrow(lt)), function(k) {
    a <- lt[k, 1]; b <- lt[k, 2]
    both <- !is.na(pos[, a]) & !is.na(pos[, b])
    pr <- rep(NA_integer_, N)
    pr[pos[both, a]] <- pos[both, b]
    pr[pos[both, b]] <- pos[both, a]
    pr
  })
  list(X = X, y = dat$value, pid = pid, tp = tp, N = N, n_tp = n_tp, lt = lt, partner = partner,
       blocks = split(seq_len(N), pid))
}

theta_of <- function(S, lt) S[lt]
sigma_of <- function(theta, lt, n_tp) {
  S <- matrix(0, n_tp, n_tp)
  S[lt] <- theta
  S[lt[, 2:1, drop = FALSE]] <- theta
  S
}

reml_at <- function(rs, S) {
  N <- rs$N
  Vinv <- matrix(0, N, N)
  logdetV <- 0
  for (b in rs$blocks) {
    Sb <- S[rs$tp[b], rs$tp[b], drop = FALSE]
    ch <- chol(Sb)
    logdetV <- logdetV + 2 * sum(log(diag(ch)))
    Vinv[b, b] <- chol2inv(ch)
  }
  X <- rs$X
  VX <- Vinv %*% X
  M <- crossprod(X, VX)
  chM <- chol(M)
  C <- chol2inv(chM)
  beta <- drop(C %*% crossprod(VX, rs$y))
  r <- rs$y - drop(X %*% beta)
  Py <- drop(Vinv %*% r)
  P <- Vinv - VX %*% C %*% t(VX)
  D <- logdetV + 2 * sum(log(diag(chM))) + sum(r * Py)
  list(S = S, Vinv = Vinv, VX = VX, C = C, beta = beta, r = r, Py = Py, P = P, D = D,
       loglik = -0.5 * ((N - ncol(X)) * log(2 * pi) + D))
}

# V_k %*% w for a vector w (V_k symmetric 0/1 with the partner structure).
vk_apply <- function(pr, w) {
  out <- numeric(length(w))
  ok <- !is.na(pr)
  out[ok] <- w[pr[ok]]
  out
}

# P %*% V_k as a dense matrix: column j is P[, partner[j]].
pvk <- function(P, pr) {
  out <- matrix(0, nrow(P), ncol(P))
  ok <- which(!is.na(pr))
  out[, ok] <- P[, pr[ok], drop = FALSE]
  out
}

reml_derivs <- function(rs, st) {
  K <- length(rs$partner)
  PV <- lapply(rs$partner, function(pr) pvk(st$P, pr))
  VPy <- lapply(rs$partner, function(pr) vk_apply(pr, st$Py))
  grad <- vapply(seq_len(K), function(k) sum(diag(PV[[k]])) - sum(st$Py * VPy[[k]]), numeric(1))
  H <- matrix(0, K, K)
  for (k in seq_len(K)) for (l in seq_len(k)) {
    h <- -sum(PV[[k]] * t(PV[[l]])) + 2 * sum(VPy[[k]] * drop(st$P %*% VPy[[l]]))
    H[k, l] <- h; H[l, k] <- h
  }
  list(grad = grad, H = H)
}

# Satterthwaite nu of l'beta at the REML quantities st (W = 2 H^-1).
# One-off check (R 4.2.2, numDeriv 2016.8-1.1, which lmerTest pulls in; not used here): nu in
# mmrm's own log-Cholesky parametrisation, W = solve(numDeriv::hessian(-loglik)) and
# g = numDeriv::jacobian(l'C l), at the exact optimum, agrees with this function to <= 3.5e-10
# relative on every womac_total contrast of ties_small and trial300 (e.g. trial300
# backward-forward@week6: 268.161076624 analytic, 268.161076531 numDeriv).
satterthwaite <- function(rs, st, dv, l) {
  f <- drop(crossprod(l, st$C %*% l))
  u <- drop(st$VX %*% (st$C %*% l))
  g <- vapply(rs$partner, function(pr) sum(u * vk_apply(pr, u)), numeric(1))
  W <- 2 * solve(dv$H)
  2 * f^2 / drop(crossprod(g, W %*% g))
}

# Exact REML optimum by Newton's method on theta from gls's Sigma (step halving keeps Sigma
# positive definite and D non-increasing). Converged when the Newton decrement is < 1e-20.
reml_newton <- function(rs, S0, label) {
  theta <- theta_of(S0, rs$lt)
  st <- reml_at(rs, S0)
  for (it in 1:100) {
    dv <- reml_derivs(rs, st)
    step <- -solve(dv$H, dv$grad)
    dec <- -sum(dv$grad * step)
    check(sprintf("%s: Newton step finite", label), is.finite(dec))
    if (abs(dec) < 1e-20) return(list(st = st, dv = dv, iter = it - 1L, grad = dv$grad))
    t <- 1
    repeat {
      cand <- theta + t * step
      S <- sigma_of(cand, rs$lt, rs$n_tp)
      ok <- all(eigen(S, symmetric = TRUE, only.values = TRUE)$values > 0)
      if (ok) {
        new <- reml_at(rs, S)
        if (new$D <= st$D + 1e-12 * abs(st$D)) break
      }
      t <- t / 2
      check(sprintf("%s: Newton finds a descent step", label), t >= 1e-10)
    }
    theta <- cand
    st <- new
  }
  check(sprintf("%s: Newton converges in 100 iterations", label), FALSE)
}

# ---------------------------------------------------------------------------------------------
# MMRM records
# ---------------------------------------------------------------------------------------------

# Contrast vector of (arm a - arm b) at timepoint tp in the model-matrix columns: the difference
# of two model-matrix rows that differ only in arm (baseline cancels: no arm:baseline term).
contrast_vec <- function(md, form, a, b, tp) {
  nd <- md$data[c(1L, 1L), , drop = FALSE]
  nd$arm <- factor(c(a, b), levels = levels(md$data$arm))
  nd$timepoint <- factor(c(tp, tp), levels = levels(md$data$timepoint))
  nd$baseline <- 0
  nd$value <- 0
  Xn <- model.matrix(form, data = nd)
  Xn[1, ] - Xn[2, ]
}

within_tol <- function(ours, ref, se) {
  allowed <- MMRM_TOL$abs + MMRM_TOL$rel * abs(ref) + MMRM_TOL$k * abs(se)
  abs(ours - ref) / allowed
}

mmrm_outcome <- function(o, d_o, arms, timepoints) {
  md <- mmrm_data(d_o, arms, timepoints[-1])
  if (is.null(md)) {
    message(sprintf("note: %s mmrm: fewer than 2 arms or no post-baseline value; no records", o))
    return(list())
  }
  dat <- md$data
  n_tp <- length(md$tps)
  form <- mmrm_formula(n_tp)
  X <- model.matrix(form, data = dat)
  if (qr(X)$rank < ncol(X)) {
    stop("rank-deficient design (an arm without values at a post-baseline timepoint?)")
  }
  n_obs <- nrow(dat)
  n_part <- nlevels(dat$participant_id)
  gf <- fit_gls(md, sprintf("%s mmrm", o))
  fit <- gf$fit
  beta <- coef(fit)
  check("gls coefficients are the model-matrix columns", identical(names(beta), colnames(X)))
  Vb <- vcov(fit)
  ll <- as.numeric(logLik(fit))

  # REML quantities at gls's Sigma, and the exact optimum.
  rs <- reml_setup(md, X)
  S_gls <- gls_sigma(fit, md$tps)
  st_gls <- reml_at(rs, S_gls)
  # gls and these formulas describe the same model: same beta, vcov and REML loglik.
  check(sprintf("%s: beta, vcov and REML loglik at gls's Sigma equal gls's", o),
        c(max(abs(st_gls$beta - beta) / sqrt(diag(Vb))) <= 1e-8,
          max(abs(st_gls$C - Vb)) <= 1e-9 * max(abs(Vb)),
          abs(st_gls$loglik - ll) <= 1e-9 * max(1, abs(ll))))
  dv_gls <- reml_derivs(rs, st_gls)
  ex <- reml_newton(rs, S_gls, o)

  out <- list()
  worst <- 0
  worst_rel <- c(estimate = 0, se = 0, df = 0, p = 0)
  complete <- n_obs == n_part * n_tp
  for (pr in pairs_of(md$arms)) {
    for (tp in md$tps) {
      l <- contrast_vec(md, form, pr[1], pr[2], tp)
      est <- sum(l * beta)
      se <- sqrt(drop(crossprod(l, Vb %*% l)))
      nu <- satterthwaite(rs, st_gls, dv_gls, l)
      df_method <- "Satterthwaite"
      if (n_tp == 1L) {
        # One variance parameter: Satterthwaite nu = N - p exactly; R's residual df is used.
        check(sprintf("%s %s: Satterthwaite nu = N - p with one variance parameter", o, tp),
              abs(nu - (n_obs - ncol(X))) <= 1e-8 * nu)
        nu <- n_obs - ncol(X)
        df_method <- ANCOVA_DF_METHOD
      }
      tval <- est / se
      p <- 2 * pt(-abs(tval), nu)
      ci <- est + c(-1, 1) * qt(0.975, nu) * se
      label <- sprintf("%s-%s@%s", pr[1], pr[2], tp)

      # Exact REML values and the guard.
      e_est <- sum(l * ex$st$beta)
      e_se <- sqrt(drop(crossprod(l, ex$st$C %*% l)))
      e_nu <- if (n_tp == 1L) n_obs - ncol(X) else satterthwaite(rs, ex$st, ex$dv, l)
      e_t <- e_est / e_se
      e_p <- 2 * pt(-abs(e_t), e_nu)
      e_ci <- e_est + c(-1, 1) * qt(0.975, e_nu) * e_se
      ratios <- c(within_tol(e_est, est, se), within_tol(e_se, se, se), within_tol(e_t, tval, se),
                  within_tol(e_nu, nu, se), within_tol(e_p, p, se),
                  within_tol(e_ci, ci, se))
      worst <- max(worst, ratios)
      worst_rel <- pmax(worst_rel, c(abs(e_est - est) / abs(est), abs(e_se - se) / se,
                                     abs(e_nu - nu) / nu, abs(e_p - p) / p))

      # Complete data: GLS = per-timepoint OLS, nu = the ANCOVA residual df.
      if (complete) {
        sub <- dat[dat$timepoint == tp, , drop = FALSE]
        lf <- lm(value ~ baseline + arm, data = sub)
        cl <- setNames(numeric(length(coef(lf))), names(coef(lf)))
        if (pr[1] != md$ref_arm) cl[paste0("arm", pr[1])] <- 1
        if (pr[2] != md$ref_arm) cl[paste0("arm", pr[2])] <- -1
        lest <- sum(cl * coef(lf))
        lse <- sqrt(drop(crossprod(cl, vcov(lf) %*% cl)))
        check(sprintf("%s %s: complete data, GLS = per-timepoint lm, nu = its residual df",
                      o, label),
              c(abs(lest - est) <= 1e-10 * max(1, abs(lest)),
                abs(lest - e_est) <= 1e-10 * max(1, abs(lest)),
                abs(lse - e_se) <= 1e-10 * lse,
                abs(lse - se) <= 1e-6 * lse,
                abs(e_nu - lf$df.residual) <= 1e-8 * lf$df.residual,
                abs(nu - lf$df.residual) <= 1e-6 * lf$df.residual))
      }

      out[[length(out) + 1L]] <- rec(
        o, "mmrm", label, "t", statistic = tval, df = nu, p_value = p, estimate = est,
        ci_low = ci[1], ci_high = ci[2],
        extra = list(se = se, df_method = df_method, n_obs = n_obs, n_participants = n_part))
    }
  }
  worst <- max(worst, within_tol(ex$st$loglik, ll, 0))
  message(sprintf(paste("check %s mmrm: T = %d, n_obs = %d, %s; Newton %d steps, |grad D| = %.1e;",
                        "gls vs exact REML: rel est %.1e, se %.1e, df %.1e, p %.1e, loglik %.1e;",
                        "largest |exact - gls|/allowed %.3f"),
                  o, n_tp, n_obs, if (complete) "complete (checked against lm)" else "incomplete",
                  ex$iter, max(abs(ex$grad)), worst_rel[["estimate"]], worst_rel[["se"]],
                  worst_rel[["df"]], worst_rel[["p"]], abs(ex$st$loglik - ll) / abs(ll), worst))
  check(sprintf("%s: gls within %.2f of the proposed tolerance of the exact REML (it is %.3f)",
                o, GLS_GUARD, worst), worst <= GLS_GUARD)
  out[[length(out) + 1L]] <- rec(
    o, "mmrm", "model", "reml_loglik", statistic = ll,
    extra = list(n_obs = n_obs, n_participants = n_part, covariance = "unstructured",
                 gls_optimizer = gf$opt))
  out
}

# ---------------------------------------------------------------------------------------------
# Responders
# ---------------------------------------------------------------------------------------------

wilson <- function(x, n) {
  ci <- suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int
  c(num(ci[1]), num(ci[2]))
}

responders_outcome <- function(o, d_o, arms, last_tp, spec) {
  cc <- complete_cases(d_o, last_tp)
  improvement <- if (spec$better == "lower") -cc$change else cc$change
  if (spec$mcid_kind == "absolute") {
    resp <- improvement >= spec$mcid
  } else {
    pct <- round(100 * improvement / abs(cc$base), 9)
    resp <- cc$base != 0 & pct >= spec$mcid
  }
  arms_o <- arms[arms %in% cc$arm]
  out <- list()
  stats <- list()
  for (a in arms_o) {
    x <- sum(resp[cc$arm == a]); n <- sum(cc$arm == a)
    ci <- wilson(x, n)
    stats[[a]] <- list(x = x, n = n, p = x / n, ci = ci)
    out[[length(out) + 1L]] <- rec(
      o, "responders", a, "proportion", statistic = x / n, estimate = x / n,
      ci_low = ci[1], ci_high = ci[2],
      extra = list(n = n, responders = x, mcid = spec$mcid, mcid_kind = spec$mcid_kind))
  }
  for (pr in pairs_of(arms_o)) {
    s1 <- stats[[pr[1]]]; s2 <- stats[[pr[2]]]
    label <- paste0(pr[1], "-", pr[2])
    a <- s1$x; n1 <- s1$n; c2 <- s2$x; n2 <- s2$n
    d <- s1$p - s2$p
    lo <- d - sqrt((s1$p - s1$ci[1])^2 + (s2$ci[2] - s2$p)^2)
    hi <- d + sqrt((s1$ci[2] - s1$p)^2 + (s2$p - s2$ci[1])^2)
    fp <- fisher.test(matrix(c(a, n1 - a, c2, n2 - c2), nrow = 2L))$p.value
    out[[length(out) + 1L]] <- rec(
      o, "responders", label, "risk_difference", statistic = d, p_value = fp, estimate = d,
      ci_low = lo, ci_high = hi,
      extra = list(n1 = n1, n2 = n2, responders1 = a, responders2 = c2))
    # RR = p_A / p_B (null when p_B = 0); its CI is null when any of the four cells is 0.
    rr <- if (c2 > 0) s1$p / s2$p else NA_real_
    rr_ci <- if (all(c(a, n1 - a, c2, n2 - c2) > 0)) {
      exp(log(rr) + c(-1, 1) * Z975 * sqrt(1 / a - 1 / n1 + 1 / c2 - 1 / n2))
    } else c(NA_real_, NA_real_)
    out[[length(out) + 1L]] <- rec(
      o, "responders", label, "risk_ratio", statistic = rr, estimate = rr,
      ci_low = rr_ci[1], ci_high = rr_ci[2])
    nnt <- if (d != 0) 1 / d else NA_real_
    if (lo > 0 || hi < 0) {
      nnt_ci <- c(1 / hi, 1 / lo); benefit <- NA_real_; harm <- NA_real_
    } else {
      # The RD CI contains 0 (Altman 1998): "NNTH harm to infinity to NNTB benefit", both
      # positive; a limit of exactly 0 gives an infinite (null) NNT limit.
      nnt_ci <- c(NA_real_, NA_real_)
      benefit <- if (hi > 0) 1 / hi else NA_real_
      harm <- if (lo < 0) -1 / lo else NA_real_
    }
    out[[length(out) + 1L]] <- rec(
      o, "responders", label, "nnt", statistic = nnt, estimate = nnt,
      ci_low = nnt_ci[1], ci_high = nnt_ci[2],
      extra = list(nnt_benefit_limit = benefit, nnt_harm_limit = harm))
  }
  out
}

# ---------------------------------------------------------------------------------------------
# Flow
# ---------------------------------------------------------------------------------------------

# Per arm x timepoint of the file: participants of the arm with a non-missing value of any
# outcome at that timepoint; n_randomised = participants of the arm in the file. The same for
# every outcome (repeated under each outcome name).
flow_cells <- function(d, arms, timepoints) {
  obs <- d[!is.na(d$value), c("participant_id", "arm", "timepoint")]
  cells <- list()
  for (a in arms) {
    n_rand <- length(unique(d$participant_id[d$arm == a]))
    for (tp in timepoints) {
      n_obs <- length(unique(obs$participant_id[obs$arm == a & obs$timepoint == tp]))
      cells[[length(cells) + 1L]] <- list(arm = a, tp = tp, n = n_obs, n_rand = n_rand)
    }
  }
  cells
}

flow_outcome <- function(o, d, d_o, arms, timepoints, last_tp, cells) {
  out <- lapply(cells, function(c) rec(
    o, "flow", paste0(c$arm, "@", c$tp), "n_observed", statistic = c$n, estimate = c$n,
    extra = list(n_randomised = c$n_rand)))
  if (length(arms) < 2L || last_tp == "baseline") return(out)
  dr <- attempt(sprintf("%s flow dropout", o), {
    cc <- complete_cases(d_o, last_tp)
    comp <- vapply(arms, function(a) sum(cc$arm == a), numeric(1))
    rand <- vapply(arms, function(a) length(unique(d$participant_id[d$arm == a])), numeric(1))
    tab <- cbind(completers = comp, non_completers = rand - comp)
    if (length(arms) == 2L) {
      p <- fisher.test(tab)$p.value
      test <- "fisher.test"
    } else {
      # No non-completer at all: expected counts 0, X^2 = NaN, p null.
      p <- suppressWarnings(chisq.test(tab, correct = FALSE))$p.value
      test <- "chisq.test(correct = FALSE)"
    }
    ex <- list()
    for (a in arms) ex[[paste0("completers_", a)]] <- comp[[a]]
    for (a in arms) ex[[paste0("randomised_", a)]] <- rand[[a]]
    ex$test <- test
    list(rec(o, "flow", "dropout", "p_differential", p_value = p, extra = ex))
  })
  c(out, dr)
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main <- function(args) {
  opts <- parse_args(args)
  d <- read_trial(opts$input)
  study <- if (is.null(opts$study)) list() else read_study(opts$study)
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
  last_tp <- timepoints[length(timepoints)]
  for (s in setdiff(names(study), outcomes)) {
    message(sprintf("note: study outcome %s is not in the data", s))
  }
  cells <- flow_cells(d, arms, timepoints)

  records <- list()
  for (o in outcomes) {
    d_o <- d[d$outcome == o, , drop = FALSE]
    if (last_tp != "baseline") {
      records <- c(records, attempt(sprintf("%s mmrm", o), mmrm_outcome(o, d_o, arms, timepoints)))
    }
    spec <- study[[o]]
    if (!is.null(spec) && is.finite(spec$mcid) && last_tp != "baseline") {
      records <- c(records, attempt(sprintf("%s responders", o),
                                    responders_outcome(o, d_o, arms, last_tp, spec)))
    }
    records <- c(records, flow_outcome(o, d, d_o, arms, timepoints, last_tp, cells))
  }

  write_records(records, opts$output)
}

main(commandArgs(trailingOnly = TRUE))
