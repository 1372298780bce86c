#!/usr/bin/env Rscript
# mmrm.R: the R reference for retrotrial's MMRM with the options of `[analyses.mmrm]` (issue 18):
# records `mmrm` (A-B@TIMEPOINT, A-B@average, model), `mmrm_lsmeans`, `mmrm_type3`, `mmrm_fit`.
#
#   Rscript tests/golden/gen/mmrm.R INPUT.csv OUTPUT.json --study study.toml
#
# The study file's [analyses.mmrm] table gives structure (or "auto"), select, ddf, vcov, group;
# [analyses] covariates = ["age", "sex"] and [data] participants = "FILE.csv" (relative to the
# study file) add participant covariates as main effects (numeric when every value is a
# number, else a factor with levels in C-locale order); other keys are ignored here.
#
# Model: value ~ baseline * timepoint + arm * timepoint on the post-baseline rows of participants
# with a baseline value (reference arm `forward` if present, else the first), REML, with the
# covariance structure over timepoints within participant (one per arm with group = "arm").
#
# How each number is found:
# 1. nlme::gls with the structure's correlation/weights (us = corSymm + varIdent, cs =
#    corCompSymm, csh = corCompSymm + varIdent, ar1 = corAR1, ar1h = corAR1 + varIdent, toep =
#    corARMA(p = T - 1), toeph = corARMA(p = T - 1) + varIdent; group = "arm": varIdent by
#    timepoint * arm and the correlation by arm is not expressible, so gls is used only without
#    groups), tight control (optim BFGS, reltol 1e-15). ad/adh (antedependence) and the grouped
#    fits have no gls form: they start from the unstructured moments instead.
# 2. Sigma is mapped to the SAS parametrisation theta of the structure (see sigma_of) and the REML
#    criterion D(theta) = -2 loglik is written out densely (V block-diagonal, N x N): gradient and
#    observed Hessian analytically, with dSigma/dtheta and d2Sigma from numDeriv (Sigma(theta) is
#    a closed form). The gradient at gls's estimate is checked; Newton's method then reaches the
#    exact optimum (decrement < 1e-20); when a Newton step fails the script falls back to
#    optim (BFGS, reltol 1e-15) on D and Newton again. All records are at that optimum.
# 3. LS means: the rows of emmeans::ref_grid(gls fit)@linfct (baseline at its mean over the rows,
#    as emmeans does), averaged over timepoints with equal weights for `@average`; the estimates
#    and SEs are checked against emmeans::emmeans(gls fit) at gls's estimate. Type III: the
#    joint_tests hypotheses (arm: visit-averaged LS means equal; timepoint: arm-averaged LS means
#    equal; arm:timepoint: the interaction contrasts), F checked against emmeans::joint_tests at
#    gls's estimate.
# 4. df: Satterthwaite as mmrm (2 (l'Phi l)^2 / g'Wg, W = 2 H^-1, H the observed Hessian of D;
#    F tests: mmrm's h_md_denom_df over the eigen-contrasts); Kenward-Roger: Phi_A of Kenward &
#    Roger (1997) with P, Q, R written out and the scaled F and df of pbkrtest:::.KR_adjust (the
#    package's own function, fed with these P and W); kenward_roger_linear drops R; residual:
#    N - p; between_within: mmrm's h_df_bw_calc rule on R's model matrix; vcov = "empirical":
#    the sandwich Phi (sum X_i'V_i^-1 r_i r_i'V_i^-1 X_i) Phi (checked against
#    clubSandwich::vcovCR(type = "CR0")) with mmrm's df tr(G)^2 / ||G||^2 (G as in mmrm's C++
#    get_empirical, formed densely here).
# AIC = -2 loglik + 2K, BIC = -2 loglik + K log(participants) (SAS, mmrm).
#
# The trial file's columns and ordering (HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, csort,
# order_known_first, order_timepoints) come from common.R, shared with analyze.R / clinical.R.
# mmrm_data, num, rec, check and parse_args are this script's own (they differ from clinical.R's).

suppressPackageStartupMessages({
  library(jsonlite)
  library(nlme)
  library(emmeans)
  library(numDeriv)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

# HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, csort, order_known_first, order_timepoints: common.R, next
# to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

STRUCTURES <- c("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "ad", "adh")
LINEAR <- c("us", "cs", "toep")
COVS <- character(0)   # set by main from [analyses] covariates
PARTS <- NULL          # the participants file's covariate columns
mform <- function() {
  as.formula(paste(c("value ~ baseline * timepoint + arm * timepoint", COVS), collapse = " + "))
}
GLS_CONTROL <- glsControl(opt = "optim", optimMethod = "BFGS", msTol = 1e-15, msMaxIter = 10000L)
DF_LABEL <- c(satterthwaite = "Satterthwaite", kenward_roger = "Kenward-Roger",
              kenward_roger_linear = "Kenward-Roger (linear)", between_within = "between-within",
              residual = "residual")

# ---------------------------------------------------------------------------------------------
# Command line and study file
# ---------------------------------------------------------------------------------------------

parse_args <- function(args) {
  usage <- "usage: Rscript mmrm.R INPUT.csv OUTPUT.json --study study.toml"
  if (length(args) != 4L || args[[3]] != "--study") stop(usage)
  list(input = args[[1]], output = args[[2]], study = args[[4]])
}

read_options <- function(path) {
  opt <- list(structure = "us", select = "aic", ddf = "satterthwaite", vcov = "model",
              group = "none", contrast = "last")
  opt$covariates <- character(0)
  opt$participants <- NULL
  cur <- ""
  for (ln in readLines(path, warn = FALSE)) {
    s <- trimws(sub("#.*$", "", ln))
    if (s == "") next
    if (startsWith(s, "[")) { cur <- s; next }
    if (cur == "[analyses]" && startsWith(s, "covariates")) {
      opt$covariates <- regmatches(s, gregexpr("\"[^\"]+\"", s))[[1]]
      opt$covariates <- gsub("\"", "", opt$covariates)
      next
    }
    if (cur == "[data]" && startsWith(s, "participants")) {
      rel <- sub("^participants\\s*=\\s*\"([^\"]*)\"$", "\\1", s)
      opt$participants <- file.path(dirname(path), rel)
      next
    }
    if (cur != "[analyses.mmrm]") next
    m <- regmatches(s, regexec("^([a-z_]+)\\s*=\\s*\"([^\"]*)\"$", s))[[1]]
    if (length(m) == 0L) stop(path, ": cannot read ", s)
    if (!m[2] %in% names(opt)) stop(path, ": unknown key ", m[2])
    opt[[m[2]]] <- m[3]
  }
  stopifnot(opt$structure %in% c(STRUCTURES, "auto"), opt$ddf %in% names(DF_LABEL),
            opt$vcov %in% c("model", "empirical"), opt$group %in% c("none", "arm"))
  opt
}

# ---------------------------------------------------------------------------------------------
# Input (as analyze.R / clinical.R; the ordering helpers are in common.R)
# ---------------------------------------------------------------------------------------------

mmrm_data <- function(d_o, arms, timepoints) {
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[2] <- "baseline"
  x <- d_o[d_o$timepoint != "baseline" & !is.na(d_o$value),
           c("participant_id", "arm", "timepoint", "value"), drop = FALSE]
  x <- merge(x, base, by = "participant_id")
  if (!is.null(PARTS)) x <- merge(x, PARTS, by = "participant_id")
  arms_o <- arms[arms %in% x$arm]
  tps_o <- timepoints[timepoints %in% x$timepoint]
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  x <- x[order(x$participant_id, match(x$timepoint, tps_o), method = "radix"), , drop = FALSE]
  rownames(x) <- NULL
  x$arm <- factor(x$arm, levels = c(ref_arm, setdiff(arms_o, ref_arm)))
  x$timepoint <- factor(x$timepoint, levels = tps_o)
  x$tp_index <- as.integer(x$timepoint)
  x$participant_id <- factor(x$participant_id, levels = csort(x$participant_id))
  for (v in COVS) if (is.character(x[[v]])) x[[v]] <- factor(x[[v]], levels = csort(x[[v]]))
  list(data = x, arms = arms_o, tps = tps_o, ref_arm = ref_arm)
}

num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(x)
  if (is.numeric(x)) x[!is.finite(x)] <- NA
  x
}

rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA,
                extra = setNames(list(), character(0))) {
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high),
       extra = lapply(extra, function(v) if (is.character(v)) unname(v) else num(v)))
}

check <- function(what, ok) {
  if (!isTRUE(all(ok))) stop("self-check failed: ", what)
  invisible(TRUE)
}

# ---------------------------------------------------------------------------------------------
# Covariance structures in SAS's parametrisation (retrotrial's covstruct.rs, written anew here)
# ---------------------------------------------------------------------------------------------

n_params <- function(s, V) {
  switch(s, us = V * (V + 1) / 2, cs = 2, ar1 = 2, toep = V, csh = V + 1, ar1h = V + 1,
         toeph = 2 * V - 1, adh = 2 * V - 1, ad = V)
}

ante <- function(rho, V) {
  R <- diag(V)
  for (a in seq_len(V)) for (b in seq_len(V)) if (a < b) R[a, b] <- R[b, a] <- prod(rho[a:(b - 1)])
  R
}

sigma_of <- function(s, th, V) {
  lag <- abs(outer(seq_len(V), seq_len(V), "-"))
  het <- function(v) sqrt(v) %o% sqrt(v)
  switch(s,
    us = { S <- matrix(0, V, V); S[upper.tri(S, diag = TRUE)] <- NA
           # theta in row-major order of the upper triangle: (1,1), (1,2), ..., (2,2), ...
           k <- 0
           for (a in seq_len(V)) for (b in a:V) { k <- k + 1; S[a, b] <- S[b, a] <- th[k] }
           S },
    cs = th[1] * matrix(1, V, V) + th[2] * diag(V),
    toep = matrix(th[lag + 1], V, V),
    csh = het(th[1:V]) * ifelse(lag == 0, 1, th[V + 1]),
    ar1 = th[1] * th[2]^lag,
    ar1h = het(th[1:V]) * th[V + 1]^lag,
    toeph = het(th[1:V]) * matrix(c(1, th[(V + 1):(2 * V - 1)])[lag + 1], V, V),
    ad = th[1] * ante(th[2:V], V),
    adh = het(th[1:V]) * ante(th[(V + 1):(2 * V - 1)], V))
}

# theta of structure s from a covariance matrix of that structure (gls's Sigma).
theta_from <- function(s, S) {
  V <- nrow(S)
  R <- cov2cor(S)
  switch(s,
    us = unlist(lapply(seq_len(V), function(a) S[a, a:V])),
    cs = c(S[1, 2], S[1, 1] - S[1, 2]),
    toep = S[1, ],
    csh = c(diag(S), R[1, 2]),
    ar1 = c(S[1, 1], R[1, 2]),
    ar1h = c(diag(S), R[1, 2]),
    toeph = c(diag(S), R[1, -1]),
    ad = c(mean(diag(S)), R[cbind(1:(V - 1), 2:V)]),
    adh = c(diag(S), R[cbind(1:(V - 1), 2:V)]))
}

gls_fit <- function(s, dat, V) {
  f <- mform()
  vi <- varIdent(form = ~ 1 | timepoint)
  cor <- switch(s,
    us = corSymm(form = ~ tp_index | participant_id),
    cs = , csh = corCompSymm(form = ~ tp_index | participant_id),
    ar1 = , ar1h = corAR1(form = ~ tp_index | participant_id),
    toep = , toeph = corARMA(form = ~ tp_index | participant_id, p = V - 1, q = 0),
    NULL)
  if (is.null(cor)) return(NULL)
  w <- if (s %in% c("us", "csh", "ar1h", "toeph")) vi else NULL
  # optim BFGS can step where gls's own solve fails; the default control is the fallback
  # (Newton then refines either to the exact optimum).
  tryCatch(gls(f, data = dat, correlation = cor, weights = w, method = "REML",
               control = GLS_CONTROL),
           error = function(e) gls(f, data = dat, correlation = cor, weights = w,
                                   method = "REML"))
}

# gls's full T x T Sigma from a participant seen at every timepoint.
gls_sigma <- function(fit, dat, V) {
  full <- names(which(table(dat$participant_id) == V))
  check("a participant with every timepoint (to read gls's Sigma)", length(full) > 0L)
  S <- getVarCov(fit, individual = full[1])
  matrix(as.numeric(S), V, V)
}

# ---------------------------------------------------------------------------------------------
# Dense REML at theta (all groups stacked; group g uses theta[(g-1)K + 1:K])
# ---------------------------------------------------------------------------------------------

setup <- function(md, X, s, group) {
  dat <- md$data
  V <- length(md$tps)
  g <- if (group == "arm") as.integer(dat$arm) else rep(1L, nrow(dat))
  list(X = X, y = dat$value, tp = dat$tp_index, g = g, G = max(g), V = V, s = s,
       K = n_params(s, V), blocks = split(seq_len(nrow(dat)), dat$participant_id),
       N = nrow(dat), p = ncol(X), M = nlevels(dat$participant_id))
}

# Block-diagonal N x N matrix from per-group T x T matrices.
blockdiag <- function(rs, mats) {
  out <- matrix(0, rs$N, rs$N)
  for (b in rs$blocks) {
    m <- mats[[rs$g[b[1]]]]
    out[b, b] <- m[rs$tp[b], rs$tp[b], drop = FALSE]
  }
  out
}

sigmas <- function(rs, theta) {
  lapply(seq_len(rs$G), function(g) sigma_of(rs$s, theta[(g - 1) * rs$K + seq_len(rs$K)], rs$V))
}

reml_at <- function(rs, theta) {
  S <- sigmas(rs, theta)
  if (any(vapply(S, function(m) min(eigen(m, symmetric = TRUE, only.values = TRUE)$values),
                 0) <= 0)) return(NULL)
  Vm <- blockdiag(rs, S)
  Vinv <- matrix(0, rs$N, rs$N)
  logdet <- 0
  for (b in rs$blocks) {
    ch <- chol(Vm[b, b, drop = FALSE])
    logdet <- logdet + 2 * sum(log(diag(ch)))
    Vinv[b, b] <- chol2inv(ch)
  }
  X <- rs$X
  VX <- Vinv %*% X
  chM <- chol(crossprod(X, VX))
  C <- chol2inv(chM)
  beta <- drop(C %*% crossprod(VX, rs$y))
  r <- rs$y - drop(X %*% beta)
  Py <- drop(Vinv %*% r)
  D <- logdet + 2 * sum(log(diag(chM))) + sum(r * Py)
  list(theta = theta, S = S, Vinv = Vinv, VX = VX, C = C, beta = beta, r = r, Py = Py,
       P = Vinv - VX %*% C %*% t(VX), D = D,
       loglik = -0.5 * ((rs$N - rs$p) * log(2 * pi) + D))
}

# dV/dtheta_k and d2V/dtheta_k dtheta_l (N x N), from numDeriv on Sigma(theta) (exact zeros for
# the linear structures' second derivatives).
dv_list <- function(rs, theta) {
  KK <- length(theta)
  V <- rs$V
  d1 <- vector("list", KK)
  d2 <- vector("list", KK * KK)
  for (g in seq_len(rs$G)) {
    idx <- (g - 1) * rs$K + seq_len(rs$K)
    th <- theta[idx]
    J <- jacobian(function(t) as.vector(sigma_of(rs$s, t, V)), th)
    Hs <- if (rs$s %in% LINEAR) NULL else
      lapply(seq_len(V * V), function(e) hessian(function(t) as.vector(sigma_of(rs$s, t, V))[e], th))
    zero <- lapply(seq_len(rs$G), function(h) matrix(0, V, V))
    for (a in seq_len(rs$K)) {
      m <- zero; m[[g]] <- matrix(J[, a], V, V)
      d1[[idx[a]]] <- blockdiag(rs, m)
      # Zero second derivatives (linear structures, two groups) stay NULL.
      if (!is.null(Hs)) for (b in seq_len(rs$K)) {
        m2 <- zero
        m2[[g]] <- matrix(vapply(Hs, function(h) h[a, b], 0), V, V)
        d2[[(idx[a] - 1) * KK + idx[b]]] <- blockdiag(rs, m2)
      }
    }
  }
  list(d1 = d1, d2 = d2)
}

# Gradient and observed Hessian of D (see the header of general.rs for the formulas):
# dD/dk = tr(P V_k) - y'P V_k P y;
# d2D/dkdl = tr(P V_kl) - y'P V_kl P y - tr(P V_k P V_l) + 2 y'P V_k P V_l P y.
derivs <- function(rs, st, dv) {
  KK <- length(st$theta)
  PV <- lapply(dv$d1, function(m) st$P %*% m)
  VPy <- lapply(dv$d1, function(m) drop(m %*% st$Py))
  grad <- vapply(seq_len(KK), function(k) sum(diag(PV[[k]])) - sum(st$Py * VPy[[k]]), 0)
  H <- matrix(0, KK, KK)
  for (k in seq_len(KK)) for (l in seq_len(k)) {
    m2 <- if ((k - 1) * KK + l <= length(dv$d2)) dv$d2[[(k - 1) * KK + l]] else NULL
    h <- -sum(PV[[k]] * t(PV[[l]])) + 2 * sum(VPy[[k]] * drop(st$P %*% VPy[[l]]))
    if (!is.null(m2)) h <- h + sum(st$P * m2) - sum(st$Py * drop(m2 %*% st$Py))
    H[k, l] <- H[l, k] <- h
  }
  list(grad = grad, H = H)
}

newton <- function(rs, theta, label) {
  st <- reml_at(rs, theta)
  check(paste(label, "start is positive definite"), !is.null(st))
  for (it in 1:200) {
    dv <- dv_list(rs, st$theta)
    de <- derivs(rs, st, dv)
    step <- tryCatch(-solve(de$H, de$grad), error = function(e) NULL)
    dec <- if (is.null(step)) NA else -sum(de$grad * step)
    if (is.finite(dec) && abs(dec) < 1e-20) return(list(st = st, dv = dv, de = de, iter = it - 1L))
    if (!is.finite(dec) || dec < 0) return(NULL)
    t <- 1
    repeat {
      new <- reml_at(rs, st$theta + t * step)
      if (!is.null(new) && new$D <= st$D + 1e-12 * abs(st$D)) break
      t <- t / 2
      if (t < 1e-10) return(NULL)
    }
    st <- new
  }
  NULL
}

# The exact REML optimum: Newton from `theta0`; when Newton fails, optim (BFGS) on D first.
optimum <- function(rs, theta0, label) {
  ex <- newton(rs, theta0, label)
  if (is.null(ex)) {
    message(sprintf("note: %s: Newton from gls's estimate failed; optim on D first", label))
    D <- function(t) { st <- reml_at(rs, t); if (is.null(st)) 1e300 else st$D }
    o <- optim(theta0, D, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
    ex <- newton(rs, o$par, label)
  }
  check(paste(label, "reaches the REML optimum"), !is.null(ex))
  ex
}

# Unstructured moments of the OLS residuals (start of the fits that gls cannot express).
moment_sigma <- function(rs) {
  b <- qr.coef(qr(rs$X), rs$y)
  r <- rs$y - drop(rs$X %*% b)
  lapply(seq_len(rs$G), function(g) {
    S <- matrix(0, rs$V, rs$V); n <- S
    for (bl in rs$blocks) if (rs$g[bl[1]] == g) {
      S[rs$tp[bl], rs$tp[bl]] <- S[rs$tp[bl], rs$tp[bl]] + r[bl] %o% r[bl]
      n[rs$tp[bl], rs$tp[bl]] <- n[rs$tp[bl], rs$tp[bl]] + 1
    }
    S / pmax(n, 1)
  })
}

fit_structure <- function(s, md, X, opt, label) {
  V <- length(md$tps)
  rs <- setup(md, X, s, opt$group)
  if (rs$K > V * (V + 1) / 2) stop("more covariance parameters than Sigma has entries")
  gf <- if (opt$group == "none") tryCatch(gls_fit(s, md$data, V), error = function(e) {
    message(sprintf("note: %s: gls failed: %s", label, conditionMessage(e))); NULL
  }) else NULL
  if (!is.null(gf)) {
    S <- gls_sigma(gf, md$data, V)
    theta0 <- theta_from(s, S)
    st0 <- reml_at(rs, theta0)
    check(paste(label, "Sigma(theta) reproduces gls's Sigma"),
          max(abs(sigma_of(s, theta0, V) - S)) <= 1e-9 * max(abs(S)))
    check(paste(label, "REML loglik at gls's Sigma equals gls's"),
          abs(st0$loglik - as.numeric(logLik(gf))) <= 1e-8 * abs(st0$loglik))
    g0 <- derivs(rs, st0, dv_list(rs, theta0))$grad
    message(sprintf("%s: gls's REML gradient max |dD/dtheta| = %.3g", label, max(abs(g0))))
  } else {
    theta0 <- unlist(lapply(moment_sigma(rs), function(S) {
      # A start inside the structure: the moments' variances and mean neighbour correlation.
      Rm <- cov2cor(S); rho <- mean(Rm[cbind(1:(V - 1), 2:V)])
      Ss <- sqrt(diag(S)) %o% sqrt(diag(S)) * rho^abs(outer(1:V, 1:V, "-"))
      theta_from(s, if (s %in% c("cs", "toep", "ar1", "ad")) mean(diag(S)) * cov2cor(Ss) else Ss)
    }))
  }
  ex <- optimum(rs, theta0, label)
  list(rs = rs, ex = ex, gls = gf)
}

# ---------------------------------------------------------------------------------------------
# Inference at the optimum
# ---------------------------------------------------------------------------------------------

# The LS-means grid: model-matrix rows at (arm, timepoint) with baseline at its mean over the
# rows (emmeans's ref_grid), arm varying fastest.
lsm_grid <- function(md) {
  dat <- md$data
  # Factor covariates: every level (emmeans averages over them with equal weights);
  # numeric covariates at their mean over the rows.
  facs <- COVS[vapply(COVS, function(v) is.factor(dat[[v]]), TRUE)]
  axes <- c(list(arm = levels(dat$arm), timepoint = levels(dat$timepoint)),
            lapply(setNames(facs, facs), function(v) levels(dat[[v]])))
  full <- expand.grid(axes, stringsAsFactors = FALSE)
  for (v in names(axes)) full[[v]] <- factor(full[[v]], levels = levels(dat[[v]]))
  full$baseline <- mean(dat$baseline)
  for (v in setdiff(COVS, facs)) full[[v]] <- mean(dat[[v]])
  full$value <- 0
  Lf <- model.matrix(mform(), data = full)
  key <- paste(full$arm, full$timepoint)
  grid <- expand.grid(arm = levels(dat$arm), timepoint = levels(dat$timepoint),
                      stringsAsFactors = FALSE)
  L <- t(vapply(paste(grid$arm, grid$timepoint),
                function(k) colMeans(Lf[key == k, , drop = FALSE]), numeric(ncol(Lf))))
  grid$arm <- factor(grid$arm, levels = levels(dat$arm))
  grid$timepoint <- factor(grid$timepoint, levels = levels(dat$timepoint))
  list(grid = grid, L = L)
}

# Kenward-Roger: Phi_A with P_k = -X'V^-1 V_k V^-1 X, Q_kl, R_kl (dropped when linear).
kr_phi <- function(rs, ex, linear) {
  st <- ex$st
  KK <- length(st$theta)
  W <- 2 * solve(ex$de$H)
  VX <- st$VX
  P <- lapply(ex$dv$d1, function(m) -crossprod(VX, m %*% VX))
  U <- matrix(0, rs$p, rs$p)
  for (k in seq_len(KK)) for (l in seq_len(KK)) {
    Q <- crossprod(VX, ex$dv$d1[[k]] %*% st$Vinv %*% ex$dv$d1[[l]] %*% VX)
    m2 <- if ((k - 1) * KK + l <= length(ex$dv$d2)) ex$dv$d2[[(k - 1) * KK + l]] else NULL
    R <- if (linear || is.null(m2)) 0 else crossprod(VX, m2 %*% VX)
    U <- U + W[k, l] * (Q - P[[k]] %*% st$C %*% P[[l]] - R / 4)
  }
  PhiA <- st$C + 2 * st$C %*% U %*% st$C
  attr(PhiA, "P") <- P
  attr(PhiA, "W") <- W
  PhiA
}

# Satterthwaite nu of l'beta (mmrm h_df_1d_sat): g_k = l'C X'V^-1 V_k V^-1 X C l.
satt <- function(ex, l) {
  st <- ex$st
  u <- drop(st$VX %*% (st$C %*% l))
  g <- vapply(ex$dv$d1, function(m) sum(u * drop(m %*% u)), 0)
  2 * drop(crossprod(l, st$C %*% l))^2 / drop(crossprod(g, (2 * solve(ex$de$H)) %*% g))
}

# Sandwich and mmrm's empirical df (get_empirical in mmrm's C++, dense here).
empirical <- function(rs, ex) {
  st <- ex$st
  meat <- matrix(0, rs$p, rs$p)
  for (b in rs$blocks) {
    z <- crossprod(st$VX[b, , drop = FALSE], rs$y[b] - drop(rs$X[b, , drop = FALSE] %*% st$beta))
    meat <- meat + z %*% t(z)
  }
  list(cov = st$C %*% meat %*% st$C)
}

empirical_df <- function(rs, ex, l) {
  st <- ex$st
  # Whitened design B (p x N): B = X'L^-T per block with V_i^-1 = L^-T L^-1; H = B'CB.
  B <- matrix(0, rs$p, rs$N)
  for (b in rs$blocks) {
    Li <- t(chol(solve(st$Vinv[b, b, drop = FALSE])))      # V_i = Li Li'
    B[, b] <- t(rs$X[b, , drop = FALSE]) %*% t(solve(Li))
  }
  IH <- diag(rs$N) - t(B) %*% st$C %*% B
  G <- matrix(0, rs$N, rs$M)
  for (i in seq_along(rs$blocks)) {
    b <- rs$blocks[[i]]
    G[, i] <- IH[, b, drop = FALSE] %*% (t(B[, b, drop = FALSE]) %*% (st$C %*% l))
  }
  GG <- crossprod(G)
  sum(diag(GG))^2 / sum(GG^2)
}

bw_df <- function(rs, md, lr) {
  X <- rs$X
  pid <- md$data$participant_id
  cat <- vapply(colnames(X), function(cn) {
    if (cn == "(Intercept)") return("intercept")
    if (nrow(unique(cbind(X[, cn], as.integer(pid)))) > rs$M) "within" else "between"
  }, "")
  ddf_b <- rs$M - sum(cat == "between") - sum(cat == "intercept")
  ddf_w <- rs$N - rs$M - sum(cat == "within")
  inv <- apply(abs(rbind(lr)) > 1e-10 * max(abs(lr)), 2, any)
  min(ifelse(cat[inv] == "between", ddf_b, ddf_w))
}

md_denom <- function(nu) {
  if (length(nu) == 1L) return(nu)
  if (all(abs(diff(nu)) < sqrt(.Machine$double.eps))) return(mean(nu))
  if (any(nu <= 2)) return(2)
  e <- sum(nu / (nu - 2))
  2 * e / (e - length(nu))
}

infer <- function(rs, md, ex, opt) {
  st <- ex$st
  one <- rs$V == 1L
  kr <- opt$ddf %in% c("kenward_roger", "kenward_roger_linear")
  vc <- if (opt$vcov == "empirical") empirical(rs, ex)$cov else if (kr && !one)
    kr_phi(rs, ex, opt$ddf == "kenward_roger_linear" || rs$s %in% LINEAR) else st$C
  df1 <- function(l) {
    if (one || opt$ddf == "residual") return(rs$N - rs$p)
    if (opt$ddf == "between_within") return(bw_df(rs, md, l))
    if (opt$vcov == "empirical") return(empirical_df(rs, ex, l))
    satt(ex, l)
  }
  one_d <- function(l) {
    est <- sum(l * st$beta)
    se <- sqrt(drop(crossprod(l, vc %*% l)))
    nu <- df1(l)
    tv <- est / se
    list(est = est, se = se, df = nu, t = tv, p = 2 * pt(-abs(tv), nu),
         ci = est + c(-1, 1) * qt(0.975, nu) * se)
  }
  multi <- function(L) {
    if (kr && !one) {
      k <- pbkrtest:::.KR_adjust(vc, st$C, L, st$beta, rep(0, length(st$beta)))
      return(c(F = k$Fstat, df1 = k$ndf, df2 = k$ddf))
    }
    e <- eigen(L %*% vc %*% t(L), symmetric = TRUE)
    lb <- drop(L %*% st$beta)
    f <- sum(drop(crossprod(e$vectors, lb))^2 / e$values) / nrow(L)
    nu <- vapply(seq_len(nrow(L)), function(m) df1(drop(crossprod(L, e$vectors[, m]))), 0)
    d2 <- if (one || opt$ddf == "residual") rs$N - rs$p else if (opt$ddf == "between_within")
      bw_df(rs, md, L) else md_denom(nu)
    c(F = f, df1 = nrow(L), df2 = d2)
  }
  list(one = one_d, multi = multi, vcov = vc)
}

# Independent packages on the same model, where they exist:
# - cs with Kenward-Roger: the random-intercept LMM lmer(value ~ ... + (1 | participant_id)) is
#   the same model (when the within-participant covariance is positive); pbkrtest::vcovAdj
#   computes Phi_A with W from the expected information, so Phi_A is recomputed here with that W
#   and the two must agree (this checks P, Q and the assembly; the records use the observed W,
#   as SAS and mmrm do, which this fev_data-free check cannot tell apart).
# - vcov = "empirical": clubSandwich::vcovCR(gls fit, type = "CR0") at gls's estimate.
cross_checks <- function(o, s, rs, ex, f, md, opt) {
  st <- ex$st
  if (s == "cs" && opt$ddf %in% c("kenward_roger", "kenward_roger_linear") && st$theta[1] > 0) {
    suppressPackageStartupMessages({ library(lme4); library(pbkrtest) })
    lf <- lmer(update(mform(), . ~ . + (1 | participant_id)),
               data = md$data, REML = TRUE, control = lmerControl(optimizer = "bobyqa",
               optCtrl = list(rhobeg = 1e-2, rhoend = 1e-12, maxfun = 1e5)))
    check(paste(o, "lmer's REML loglik equals the cs fit"),
          abs(as.numeric(logLik(lf)) - st$loglik) <= 1e-7 * abs(st$loglik))
    pb <- as.matrix(vcovAdj(lf))
    # Expected information: tr(P V_k P V_l).
    PV <- lapply(ex$dv$d1, function(m) st$P %*% m)
    IE <- outer(seq_along(PV), seq_along(PV), Vectorize(function(k, l) sum(PV[[k]] * t(PV[[l]]))))
    ex_e <- ex
    ex_e$de$H <- IE
    mine <- kr_phi(rs, ex_e, TRUE)
    attributes(mine) <- attributes(mine)[c("dim")]
    dev <- max(abs(mine - pb)) / max(abs(pb))
    message(sprintf("%s: Phi_A (expected W) vs pbkrtest::vcovAdj: max rel %.2e", o, dev))
    check(paste(o, "KR adjusted covariance agrees with pbkrtest (expected W)"), dev <= 1e-5)
  }
  if (opt$vcov == "empirical" && !is.null(f$gls)) {
    suppressPackageStartupMessages(library(clubSandwich))
    cr <- as.matrix(vcovCR(f$gls, cluster = md$data$participant_id, type = "CR0"))
    at <- reml_at(rs, theta_from(s, gls_sigma(f$gls, md$data, rs$V)))
    mine <- empirical(rs, list(st = at))$cov
    dev <- max(abs(mine - cr)) / max(abs(cr))
    message(sprintf("%s: sandwich vs clubSandwich CR0 at gls's estimate: max rel %.2e", o, dev))
    check(paste(o, "sandwich agrees with clubSandwich::vcovCR(type = 'CR0')"), dev <= 1e-8)
  }
}

# ---------------------------------------------------------------------------------------------
# Records of one outcome
# ---------------------------------------------------------------------------------------------

mmrm_outcome <- function(o, d_o, arms, timepoints, opt) {
  md <- mmrm_data(d_o, arms, timepoints[-1])
  dat <- md$data
  V <- length(md$tps)
  X <- model.matrix(mform(), data = dat)
  cands <- if (opt$structure == "auto") STRUCTURES else opt$structure
  fits <- list()
  for (s in cands) {
    fits[[s]] <- tryCatch(fit_structure(s, md, X, opt, sprintf("%s %s", o, s)),
                          error = function(e) {
                            if (grepl("self-check", conditionMessage(e))) stop(e)
                            message(sprintf("note: %s %s cannot be fitted: %s", o, s,
                                            conditionMessage(e)))
                            NULL
                          })
  }
  ok <- Filter(Negate(is.null), fits)
  check(paste(o, "some structure fits"), length(ok) > 0L)
  crit <- vapply(ok, function(f) {
    K <- length(f$ex$st$theta)
    -2 * f$ex$st$loglik + if (opt$select == "bic") K * log(f$rs$M) else 2 * K
  }, 0)
  best <- names(ok)[which.min(crit)]
  f <- ok[[best]]
  rs <- f$rs; ex <- f$ex
  inf <- infer(rs, md, ex, opt)
  g <- lsm_grid(md)
  cell <- function(a, v) g$L[g$grid$arm == a & g$grid$timepoint == v, ]
  avg <- function(a) colMeans(g$L[g$grid$arm == a, , drop = FALSE])
  if (!is.null(f$gls)) {
    # emmeans on gls's fit: the same LS-mean rows; estimates at gls's estimate. (emmeans 1.8
    # cannot rebuild a gls fit without a variance function: then only a note.)
    tryCatch({
    rg <- ref_grid(f$gls, data = dat, mode = "df.error")
    ord <- match(paste(g$grid$arm, g$grid$timepoint), paste(rg@grid$arm, rg@grid$timepoint))
    if (length(COVS) == 0L) check(paste(o, "LS-mean rows are emmeans's ref_grid rows"),
          max(abs(rg@linfct[ord, ] - g$L)) <= 1e-12 * max(abs(g$L)))
    em <- as.data.frame(emmeans(f$gls, ~ arm | timepoint, data = dat, mode = "df.error"))
    at_gls <- reml_at(rs, theta_from(best, gls_sigma(f$gls, dat, V)))
    mine <- drop(g$L %*% at_gls$beta)
    e_ord <- match(paste(g$grid$arm, g$grid$timepoint), paste(em$arm, em$timepoint))
    check(paste(o, "LS means at gls's estimate equal emmeans's"),
          max(abs(mine - em$emmean[e_ord])) <= 1e-9 * max(abs(mine)))
    if (opt$vcov == "model") {
      jt <- as.data.frame(joint_tests(f$gls, data = dat, mode = "df.error"))
      message(sprintf("%s %s: joint_tests F at gls's estimate: %s", o, best,
                      paste(signif(jt$F.ratio, 8), collapse = ", ")))
    }
    }, error = function(e) {
      if (grepl("self-check", conditionMessage(e))) stop(e)
      message(sprintf("note: %s %s: emmeans cannot rebuild this gls fit (%s); no cross-check",
                      o, best, conditionMessage(e)))
    })
  }
  cross_checks(o, best, rs, ex, f, md, opt)
  df_label <- if (V == 1L) "ANCOVA residual (one post-baseline visit)" else DF_LABEL[[opt$ddf]]
  common <- list(df_method = df_label, structure = best, vcov = opt$vcov,
                 covariates = paste(COVS, collapse = ", "),
                 n_obs = rs$N, n_participants = rs$M)
  out <- list()
  arms_o <- md$arms
  tps_at <- c(as.list(md$tps), list(NULL))
  lab <- function(v) if (is.null(v)) "average" else v
  lvec <- function(a, v) if (is.null(v)) avg(a) else cell(a, v)
  for (i in seq_along(arms_o)) for (j in seq_along(arms_o)) if (i < j) for (v in tps_at) {
    r <- inf$one(lvec(arms_o[i], v) - lvec(arms_o[j], v))
    out[[length(out) + 1L]] <- rec(o, "mmrm", sprintf("%s-%s@%s", arms_o[i], arms_o[j], lab(v)),
      "t", r$t, r$df, r$p, r$est, r$ci[1], r$ci[2], c(list(se = r$se), common))
  }
  out[[length(out) + 1L]] <- rec(o, "mmrm", "model", "reml_loglik", ex$st$loglik,
    extra = list(n_obs = rs$N, n_participants = rs$M))
  for (v in tps_at) for (a in arms_o) {
    r <- inf$one(lvec(a, v))
    out[[length(out) + 1L]] <- rec(o, "mmrm_lsmeans", sprintf("%s@%s", a, lab(v)), "lsmean",
      r$est, r$df, NA, r$est, r$ci[1], r$ci[2], c(list(se = r$se, t = r$t, p_t = r$p), common))
  }
  A <- length(arms_o)
  tests <- list(arm = do.call(rbind, lapply(arms_o[-1], function(a) avg(a) - avg(arms_o[1]))))
  if (V > 1L) {
    aavg <- function(v) colMeans(do.call(rbind, lapply(arms_o, function(a) cell(a, v))))
    tests$timepoint <- do.call(rbind, lapply(md$tps[-1], function(v) aavg(v) - aavg(md$tps[1])))
    rows <- list()
    for (a in arms_o[-1]) for (v in md$tps[-1]) {
      rows[[length(rows) + 1L]] <- cell(a, v) - cell(arms_o[1], v) - cell(a, md$tps[1]) +
        cell(arms_o[1], md$tps[1])
    }
    tests[["arm:timepoint"]] <- do.call(rbind, rows)
  }
  for (term in names(tests)) {
    ft <- inf$multi(rbind(tests[[term]]))
    out[[length(out) + 1L]] <- rec(o, "mmrm_type3", term, "F", ft[["F"]], ft[["df2"]],
      pf(ft[["F"]], ft[["df1"]], ft[["df2"]], lower.tail = FALSE),
      extra = c(list(df1 = ft[["df1"]], df2 = ft[["df2"]]), common))
  }
  for (s in cands) {
    fs <- fits[[s]]
    if (is.null(fs)) next
    ll <- fs$ex$st$loglik
    K <- length(fs$ex$st$theta)
    out[[length(out) + 1L]] <- rec(o, "mmrm_fit", s, "reml_loglik", ll,
      extra = list(aic = -2 * ll + 2 * K, bic = -2 * ll + K * log(fs$rs$M), n_params = K,
                   selected = if (s == best) "yes" else "no"))
  }
  out
}

main <- function(args) {
  a <- parse_args(args)
  opt <- read_options(a$study)
  COVS <<- opt$covariates
  if (!is.null(opt$participants)) {
    p <- read.csv(opt$participants, colClasses = "character")
    for (v in setdiff(names(p), "participant_id")) {
      num <- suppressWarnings(as.numeric(p[[v]]))
      if (!anyNA(num[p[[v]] != ""])) p[[v]] <- num
    }
    PARTS <<- p[, c("participant_id", COVS), drop = FALSE]
  }
  d <- read.csv(a$input, colClasses = c(rep("character", 4), "numeric"), na.strings = c("", "NA"))
  check("header", identical(names(d), HEADER))
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
  records <- list()
  for (o in outcomes) {
    records <- c(records, mmrm_outcome(o, d[d$outcome == o, ], arms, timepoints, opt))
  }
  json <- toJSON(records, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                 pretty = TRUE)
  writeLines(json, a$output)
}

main(commandArgs(trailingOnly = TRUE))
