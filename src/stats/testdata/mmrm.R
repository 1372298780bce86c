# Expected values of src/stats/mmrm/ (tests.rs) (R 4.2.2, nlme 3.1-162, numDeriv 2016.8-1.1).
# Run: Rscript src/stats/testdata/mmrm.R > /tmp/mmrm_cases.rs
# Prints one Rust `Case` constant per data set: the rows (participant, arm, visit, baseline,
# value) with arms indexed backward = 0, forward = 1 (the reference), control = 2 and the
# post-baseline visits 0, 1, ...; then the R results.
#
# - gls: nlme::gls(value ~ baseline * timepoint + arm * timepoint, correlation =
#   corSymm(form = ~ tp_index | participant_id), weights = varIdent(form = ~ 1 | timepoint),
#   method = "REML"): estimate and SE of each arm difference (L %*% coef, L vcov L'), logLik.
# - Satterthwaite df as the mmrm package documents it (vignette "Satterthwaite", Christensen
#   2018), in mmrm's own parametrisation of the unstructured covariance (src/covariance.h
#   `get_unstructured`: theta = log sd, then the lower Cholesky factor scaled by the sd, row by
#   row): the REML objective -logLik(theta) is minimised to high precision from gls's optimum
#   (Newton steps with numDeriv derivatives), W = solve(hessian(-logLik)) (mmrm:
#   `solve(tmb_object$he(par))`), the Jacobian of Phi(theta) = (X' V^-1 X)^-1 by
#   numDeriv::jacobian, g_k = l' dPhi/dtheta_k l and df = 2 (l' Phi l)^2 / (g' W g).
#   Estimates, SEs and logLik at that refined optimum are printed too.
suppressMessages({library(nlme); library(numDeriv)})
num <- function(v) {
  s <- sprintf("%.17g", v)
  paste(ifelse(grepl("[.eEIN]", s), s, paste0(s, ".0")), collapse = ", ")
}
all_arms <- c("backward", "forward", "control")
all_tps <- c("week3", "week6", "week9")

simulate <- function(seed, n_per_arm, n_arms, n_vis, drop_p, intermittent = 0) {
  set.seed(seed)
  arms <- all_arms[seq_len(n_arms)]; tps <- all_tps[seq_len(n_vis)]
  M <- n_per_arm * n_arms
  base <- round(rnorm(M, 50, 6), 1)
  u <- rnorm(M, 0, 3)
  d <- expand.grid(v = seq_len(n_vis), pid = seq_len(M))
  d$arm <- arms[(d$pid - 1) %/% n_per_arm + 1]
  d$baseline <- base[d$pid]
  eff <- d$v * ifelse(d$arm == "backward", -1.5, ifelse(d$arm == "forward", -0.6, 0))
  d$value <- round(20 + 0.6 * d$baseline + u[d$pid] + eff + rnorm(nrow(d), 0, 1 + 0.5 * d$v), 1)
  # Monotone dropout: from a random visit on, with probability drop_p per participant.
  last <- ifelse(runif(M) < drop_p, sample(seq_len(n_vis), M, replace = TRUE) - 1, n_vis)
  d <- d[d$v <= last[d$pid], ]
  if (intermittent > 0) d <- d[runif(nrow(d)) > intermittent | d$v == 1, ]
  d <- d[sample(nrow(d)), ]
  d$participant_id <- factor(d$pid)
  d$arm <- factor(d$arm, levels = c("forward", setdiff(arms, "forward")))
  d$timepoint <- factor(tps[d$v], levels = tps)
  d$tp_index <- d$v
  d
}

# -2 REML log-likelihood with gls's constant, for a full covariance Sig.
reml_dev <- function(Sig, d, X) {
  y <- d$value; p <- ncol(X); N <- nrow(X)
  A <- matrix(0, p, p); b <- numeric(p); ld <- 0
  ids <- split(seq_len(N), d$pid)
  for (ii in ids) {
    Vi <- Sig[d$v[ii], d$v[ii], drop = FALSE]; Ci <- chol(Vi)
    Xi <- backsolve(Ci, X[ii, , drop = FALSE], transpose = TRUE)
    yi <- backsolve(Ci, y[ii], transpose = TRUE)
    A <- A + crossprod(Xi); b <- b + crossprod(Xi, yi); ld <- ld + 2 * sum(log(diag(Ci)))
  }
  beta <- solve(A, b); q <- 0
  for (ii in ids) {
    Vi <- Sig[d$v[ii], d$v[ii], drop = FALSE]
    r <- y[ii] - X[ii, , drop = FALSE] %*% beta; q <- q + sum(r * solve(Vi, r))
  }
  list(dev = (N - p) * log(2 * pi) + ld + determinant(A)$modulus[1] + q,
       beta = drop(beta), Phi = solve(A))
}
sig_of_theta <- function(th, V) {
  L <- diag(exp(th[seq_len(V)]), V); k <- V
  if (V > 1) for (i in 2:V) for (j in 1:(i - 1)) { k <- k + 1; L[i, j] <- exp(th[i]) * th[k] }
  L %*% t(L)
}
theta_of_sig <- function(S) {
  V <- nrow(S); L <- t(chol(S)); th <- log(diag(L))
  if (V > 1) for (i in 2:V) for (j in 1:(i - 1)) th <- c(th, L[i, j] / L[i, i])
  th
}

emit <- function(name, d, n_arms, n_vis, comment) {
  fit <- gls(value ~ baseline * timepoint + arm * timepoint, data = d,
             correlation = corSymm(form = ~ tp_index | participant_id),
             weights = varIdent(form = ~ 1 | timepoint), method = "REML")
  X <- model.matrix(value ~ baseline * timepoint + arm * timepoint, data = d)
  # Sigma of gls: getVarCov of a participant with every visit.
  full <- names(which(table(d$pid) == n_vis))[1]
  Sg <- unclass(getVarCov(fit, individual = full))
  f <- function(th) reml_dev(sig_of_theta(th, n_vis), d, X)$dev / 2
  th <- theta_of_sig(Sg)
  for (it in 1:8) th <- th - solve(hessian(f, th), grad(f, th))
  W <- solve(hessian(f, th))
  at <- reml_dev(sig_of_theta(th, n_vis), d, X)
  J <- jacobian(function(t) as.vector(reml_dev(sig_of_theta(t, n_vis), d, X)$Phi), th)
  arms <- levels(d$arm)
  nd <- function(a, v) {
    x <- data.frame(baseline = 0, timepoint = factor(all_tps[v], levels = levels(d$timepoint)),
                    arm = factor(a, levels = arms), value = 0)
    model.matrix(value ~ baseline * timepoint + arm * timepoint, data = x)[1, ]
  }
  present <- all_arms[all_arms %in% arms]
  cat(sprintf("// %s\n// max |grad| at the refined optimum = %.3g; gls logLik - refined = %.3g\n",
              comment, max(abs(grad(f, th))), as.numeric(logLik(fit)) + at$dev / 2))
  cat(sprintf("const %s: Case = Case {\n    n_arms: %d,\n    n_visits: %d,\n    rows: &[\n", name, n_arms, n_vis))
  rows <- sprintf("        (%d, %d, %d, %s, %s),", as.integer(d$participant_id) - 1L,
                  match(as.character(d$arm), all_arms) - 1L, d$v - 1L,
                  sprintf("%.1f", d$baseline), sprintf("%.1f", d$value))
  cat(rows, sep = "\n")
  cat("    ],\n    // first, second, visit: gls estimate, gls se, refined estimate, refined se, Satterthwaite df\n")
  cat("    contrasts: &[\n")
  for (i in seq_along(present)) for (j in seq_along(present)) if (i < j) for (v in seq_len(n_vis)) {
    l <- nd(present[i], v) - nd(present[j], v)
    est_g <- sum(l * coef(fit)); se_g <- sqrt(drop(t(l) %*% vcov(fit) %*% l))
    est_r <- sum(l * at$beta); var_r <- drop(t(l) %*% at$Phi %*% l)
    g <- apply(J, 2, function(col) drop(t(l) %*% matrix(col, length(l)) %*% l))
    df <- 2 * var_r^2 / drop(t(g) %*% W %*% g)
    cat(sprintf("        (%d, %d, %d, [%s]),\n", match(present[i], all_arms) - 1L,
                match(present[j], all_arms) - 1L, v - 1L, num(c(est_g, se_g, est_r, sqrt(var_r), df))))
  }
  cat("    ],\n")
  cat(sprintf("    // logLik(gls_fit), -REML deviance/2 at the refined optimum\n    loglik: [%s],\n};\n\n",
              num(c(as.numeric(logLik(fit)), -at$dev / 2))))
}

emit("DROPOUT_2X2", simulate(21, 12, 2, 2, 0.3), 2, 2,
     "simulate(21, 12, 2, 2, drop_p = 0.3): 2 arms x 2 visits, monotone dropout")
emit("DROPOUT_2X3", simulate(22, 10, 2, 3, 0.35), 2, 3,
     "simulate(22, 10, 2, 3, drop_p = 0.35): 2 arms x 3 visits, monotone dropout")
emit("DROPOUT_3X2", simulate(23, 9, 3, 2, 0.3), 3, 2,
     "simulate(23, 9, 3, 2, drop_p = 0.3): 3 arms x 2 visits, monotone dropout")
emit("DROPOUT_3X3", simulate(24, 10, 3, 3, 0.3, intermittent = 0.1), 3, 3,
     "simulate(24, 10, 3, 3, drop_p = 0.3, intermittent = 0.1): 3 arms x 3 visits, dropout and intermittent gaps")
