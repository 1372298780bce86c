# Expected values of src/stats/lmm/ (tests.rs) (R 4.2.2, lme4 1.1-31, lmerTest 3.1-3, pbkrtest 0.5.2,
# nlme 3.1-162). Run: Rscript src/stats/testdata/lmm.R > /tmp/lmm_cases.rs
# Prints one Rust `Case` constant per data set: the rows (participant, arm, timepoint, value)
# with arms indexed backward = 0, forward = 1 (the reference), control = 2, and timepoints
# baseline = 0, then in order; then the R results.
suppressMessages({library(lmerTest); library(pbkrtest); library(nlme)})
num <- function(v) {
  s <- sprintf("%.17g", v)
  paste(ifelse(grepl("[.eEIN]", s), s, paste0(s, ".0")), collapse = ", ")
}
opt <- function(v) if (is.null(v)) "None" else sprintf("Some([%s])", num(v))
all_arms <- c("backward", "forward", "control")
all_tps <- c("baseline", "week3", "week6")

simulate <- function(seed, n_per_arm, n_arms, n_tps, sd_u, drop_p, no_base = 0, empty = NULL) {
  set.seed(seed)
  arms <- all_arms[seq_len(n_arms)]; tps <- all_tps[seq_len(n_tps)]
  M <- n_per_arm * n_arms
  d <- expand.grid(tp = tps, pid = seq_len(M), stringsAsFactors = FALSE)
  d$arm <- arms[(d$pid - 1) %/% n_per_arm + 1]
  u <- rnorm(M, 0, sd_u)
  eff <- ifelse(d$tp == "baseline", 0, (match(d$tp, tps) - 1) * ifelse(d$arm == "backward", -1.1, -0.4))
  d$value <- round(50 + u[d$pid] + eff + rnorm(nrow(d), 0, 2), 1)
  d <- d[runif(nrow(d)) > drop_p, ]
  if (no_base > 0) {
    nb <- sample(unique(d$pid), no_base)
    d <- d[!(d$pid %in% nb & d$tp == "baseline"), ]
  }
  if (!is.null(empty)) d <- d[!(d$arm == empty[1] & d$tp == empty[2]), ]
  d <- d[sample(nrow(d)), ]
  d$participant_id <- factor(d$pid)
  d$arm <- factor(d$arm, levels = c("forward", setdiff(arms, "forward")))
  d$timepoint <- factor(d$tp, levels = tps)
  d
}

term_of <- function(nm) {
  arm <- function(s) match(sub("^arm", "", s), all_arms) - 1
  tp <- function(s) match(sub("^timepoint", "", s), all_tps) - 1
  if (nm == "(Intercept)") return("Term::Intercept")
  parts <- strsplit(nm, ":")[[1]]
  if (length(parts) == 2) return(sprintf("Term::Interaction { arm: %d, timepoint: %d }", arm(parts[1]), tp(parts[2])))
  if (startsWith(nm, "arm")) sprintf("Term::Arm(%d)", arm(nm)) else sprintf("Term::Timepoint(%d)", tp(nm))
}

emit <- function(name, d, n_arms, n_tps, comment) {
  ctl <- lmerControl(calc.derivs = FALSE)
  m <- lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id), data = d, REML = TRUE, control = ctl)
  co <- summary(m)$coefficients
  vc <- as.data.frame(VarCorr(m))
  s2u <- vc$vcov[vc$grp == "participant_id"]; s2e <- vc$vcov[vc$grp == "Residual"]
  a3 <- anova(m, type = 3, ddf = "Satterthwaite")
  kr <- anova(m, type = 3, ddf = "Kenward-Roger")
  has_int <- "arm:timepoint" %in% rownames(a3) && !is.na(a3["arm:timepoint", "F value"])
  # nlme cannot fit a rank-deficient X: with an empty cell, fit value ~ 0 + Xr on the non-zero
  # columns and test the interaction with anova(fit, L = ...), as tests/golden/gen/lmm.R does.
  X <- model.matrix(~ arm * timepoint, data = d); nonzero <- colSums(X != 0) > 0
  d$Xr <- X[, nonzero, drop = FALSE]
  fml <- if (all(nonzero)) value ~ arm * timepoint else value ~ 0 + Xr
  fit <- tryCatch(lme(fml, random = ~ 1 | participant_id, data = d, method = "REML"),
                  error = function(e) lme(fml, random = ~ 1 | participant_id, data = d,
                                          method = "REML", control = lmeControl(opt = "optim")))
  tt <- summary(fit)$tTable
  an <- if (all(nonzero)) anova(fit, type = "marginal") else
    `rownames<-`(anova(fit, L = diag(sum(nonzero))[grepl(":", colnames(X)[nonzero]), , drop = FALSE]), "arm:timepoint")
  b <- fixef(m); V <- as.matrix(vcov(m)); ii <- grep(":", names(b))
  cat(sprintf("// %s\n// isSingular = %s, theta = %s\n", comment, isSingular(m), num(getME(m, "theta"))))
  cat(sprintf("const %s: Case = Case {\n    n_arms: %d,\n    n_timepoints: %d,\n    rows: &[\n", name, n_arms, n_tps))
  rows <- sprintf("        (%d, %d, %d, %s),", as.integer(d$participant_id) - 1L,
                  match(as.character(d$arm), all_arms) - 1L, as.integer(d$timepoint) - 1L, sprintf("%.1f", d$value))
  cat(rows, sep = "\n")
  cat("    ],\n    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p\n")
  cat("    fixed: &[\n")
  for (j in seq_len(nrow(co))) {
    cat(sprintf("        (%s, [%s]),\n", term_of(rownames(co)[j]),
                num(c(co[j, c(1, 2, 3, 4, 5)], tt[j, c(1, 2, 3, 5)]))))
  }
  cat("    ],\n")
  cat(sprintf("    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)\n"))
  cat(sprintf("    variance: [%s],\n", num(c(s2u, s2e, REMLcrit(m), as.numeric(logLik(m)),
                                            getVarCov(fit)[1, 1], fit$sigma^2, as.numeric(logLik(fit))))))
  sat <- kr_v <- nl <- wald <- NULL
  if (has_int) {
    sat <- unlist(a3["arm:timepoint", c("F value", "NumDF", "DenDF", "Pr(>F)")])
    kr_v <- unlist(kr["arm:timepoint", c("F value", "NumDF", "DenDF", "Pr(>F)")])
    nl <- unlist(an["arm:timepoint", c("F-value", "numDF", "denDF", "p-value")])
    chi <- drop(t(b[ii]) %*% solve(V[ii, ii], b[ii]))
    wald <- c(chi, length(ii), pchisq(chi, length(ii), lower.tail = FALSE))
  }
  cat("    // anova(m, type = 3, ddf = \"Satterthwaite\" / \"Kenward-Roger\"), anova(fit, type = \"marginal\"): F, df1, df2, p\n")
  cat(sprintf("    f_satterthwaite: %s,\n    f_kenward_roger: %s,\n    f_nlme: %s,\n", opt(sat), opt(kr_v), opt(nl)))
  cat(sprintf("    // fixef(m), vcov(m): chisq, df, p\n    wald: %s,\n};\n\n", opt(wald)))
}

d <- simulate(11, 6, 2, 2, 1.5, 0)
emit("BALANCED_2X2", d, 2, 2, "simulate(11, 6, 2, 2, sd_u = 1.5, drop_p = 0): balanced, 2 arms x 2 timepoints")
d <- simulate(7, 10, 3, 3, 1.5, 0.15, no_base = 3)
emit("UNBALANCED_3X3", d, 3, 3, "simulate(7, 10, 3, 3, sd_u = 1.5, drop_p = 0.15, no_base = 3): 3 x 3, dropout, participants without baseline")
d <- simulate(5, 8, 3, 2, 2.5, 0.1)
emit("UNBALANCED_3X2", d, 3, 2, "simulate(5, 8, 3, 2, sd_u = 2.5, drop_p = 0.1): 3 arms x 2 timepoints")
d <- simulate(3, 8, 3, 3, 1.2, 0.1, no_base = 2, empty = c("control", "week6"))
emit("EMPTY_CELL_3X3", d, 3, 3, "simulate(3, 8, 3, 3, sd_u = 1.2, drop_p = 0.1, no_base = 2, empty = control@week6): a dropped column")
d <- simulate(1, 7, 2, 3, 0, 0.1, no_base = 1)
emit("SINGULAR_2X3", d, 2, 3, "simulate(1, 7, 2, 3, sd_u = 0, drop_p = 0.1, no_base = 1): the REML optimum is sigma2_u = 0")
d <- simulate(8, 7, 2, 3, 0, 0.1, no_base = 1)
emit("SMALL_LAMBDA_2X3", d, 2, 3, "simulate(8, 7, 2, 3, sd_u = 0, drop_p = 0.1, no_base = 1): a small interior sigma2_u")
d <- simulate(13, 5, 3, 3, 1.5, 0)
emit("BALANCED_3X3", d, 3, 3, "simulate(13, 5, 3, 3, sd_u = 1.5, drop_p = 0): balanced, 3 x 3 (tied eigenvalues of LCL')")
