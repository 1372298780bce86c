num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
set.seed(31)
mk <- function(n, shift) { b <- round(rnorm(n, 6.2, 1.7)); l <- round(0.6 * b + rnorm(n, 2.5 - shift, 1.4)); list(b = b, l = l) }
A <- mk(14, 1.2); B <- mk(12, 0.6); C <- mk(13, 0)
for (nm in c("A", "B", "C")) { v <- get(nm); cat(sprintf("DATA %s_BASE [%s]\nDATA %s_LAST [%s]\n", nm, num(v$b), nm, num(v$l))) }
d <- data.frame(arm = factor(rep(c("backward", "forward", "control"), c(14, 12, 13)), levels = c("forward", "backward", "control")),
                baseline = c(A$b, B$b, C$b), last = c(A$l, B$l, C$l))
fit <- lm(last ~ arm + baseline, data = d); V <- vcov(fit); b <- coef(fit); df <- fit$df.residual
con <- function(cc) { e <- sum(cc * b); se <- sqrt(drop(t(cc) %*% V %*% cc)); t <- e / se
  c(e, se, t, df, 2 * pt(-abs(t), df), e + c(-1, 1) * qt(0.975, df) * se) }
# coefficient order: (Intercept), armbackward, armcontrol, baseline
cat("PAIR bf", num(con(c(0, 1, 0, 0))), "\n"); cat("PAIR bc", num(con(c(0, 1, -1, 0))), "\n"); cat("PAIR fc", num(con(c(0, 0, -1, 0))), "\n")
cat("SLOPE", num(con(c(0, 0, 0, 1))), "\n")
bm <- mean(d$baseline)
cat("ADJ b", num(con(c(1, 1, 0, bm))), "\n"); cat("ADJ f", num(con(c(1, 0, 0, bm))), "\n"); cat("ADJ c", num(con(c(1, 0, 1, bm))), "\n")
a <- anova(lm(last ~ baseline, data = d), fit)
cat("F", num(c(a$F[2], a$Df[2], a$`Pr(>F)`[2], deviance(fit), sigma(fit), bm)), "\n")
cat("SUMSLOPE", num(summary(fit)$coefficients["baseline", ]), "\n")
# two arms: backward vs forward, reference forward
d2 <- droplevels(subset(d, arm != "control")); fit2 <- lm(last ~ arm + baseline, data = d2); V <- vcov(fit2); b <- coef(fit2); df <- fit2$df.residual
cat("PAIR2 bf", num(con(c(0, 1, 0))), "\n")
a2 <- anova(lm(last ~ baseline, data = d2), fit2)
cat("F2", num(c(a2$F[2], a2$`Pr(>F)`[2], deviance(fit2), sigma(fit2))), "\n")
