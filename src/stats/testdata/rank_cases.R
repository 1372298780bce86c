# Generates the rank-test tables of src/stats/rank.rs (R 4.2.2).
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
emit <- function(name, v) cat(sprintf("DATA %s [%s]\n", name, num(v)))
sr <- function(name, d) {
  r <- suppressWarnings(wilcox.test(d, mu = 0, exact = NULL, correct = TRUE, conf.int = TRUE))
  cat(sprintf("SR %s v=%s p=%s est=%s lo=%s hi=%s median=%s method=%s\n", name, num(r$statistic), num(r$p.value),
      num(r$estimate), num(r$conf.int[1]), num(r$conf.int[2]), num(median(d)), r$method))
}
mw <- function(name, x, y) {
  r <- suppressWarnings(wilcox.test(x, y, exact = NULL, correct = TRUE, conf.int = TRUE))
  cat(sprintf("MW %s u=%s p=%s est=%s lo=%s hi=%s method=%s\n", name, num(r$statistic), num(r$p.value),
      num(r$estimate), num(r$conf.int[1]), num(r$conf.int[2]), r$method))
}
d1 <- c(-1.5, 2.0, 3.5, 4.0, 5.25, -0.5, 6.0); sr("d1", d1)
d2 <- c(-2,-1,0,-3,-1,-2,0,1,-4,-2,-1,-3,0,-1,2,-2,-5,-1,-3,-2); sr("d2", d2)
set.seed(11); d3 <- round(rnorm(60, 0.3, 1), 2); emit("d3", d3); sr("d3", d3)
set.seed(12); d4 <- round(rnorm(30, -0.4, 1.3), 2); emit("d4", d4); sr("d4", d4)
set.seed(13); d5 <- round(rnorm(45, 0.2, 1), 3); emit("d5", d5); cat("d5 ties:", any(duplicated(abs(d5))), "zeros:", any(d5==0), "\n"); sr("d5", d5)
d6 <- c(2.5); sr("d6", d6)
d7 <- c(1, 1, 1, 0); sr("d7", d7)
set.seed(14); d8 <- sample(-6:3, 80, replace = TRUE); emit("d8", d8); sr("d8", d8)
x1 <- c(1.1, 2.2, 3.3); y1 <- c(0.5, 4.4, 5.5, 6.6); mw("xy1", x1, y1)
set.seed(21); x2 <- round(rnorm(49), 4); y2 <- round(rnorm(49, 0.5), 4); cat("xy2 ties:", any(duplicated(c(x2,y2))), "\n")
emit("x2", x2); emit("y2", y2); mw("xy2", x2, y2)
set.seed(22); x3 <- sample(-5:3, 30, replace = TRUE); y3 <- sample(-4:4, 28, replace = TRUE); emit("x3", x3); emit("y3", y3); mw("xy3", x3, y3)
set.seed(23); x4 <- round(rnorm(60, 0.2), 2); y4 <- round(rnorm(55), 2); emit("x4", x4); emit("y4", y4); mw("xy4", x4, y4)
set.seed(24); x5 <- round(rnorm(12, 1), 2); y5 <- round(rnorm(15), 2); emit("x5", x5); emit("y5", y5); mw("xy5", x5, y5)
x6 <- c(2, 2, 3); y6 <- c(1, 2, 2, 5); mw("xy6", x6, y6)
k <- kruskal.test(list(x3, y3, d2)); cat(sprintf("KW h=%s p=%s df=%s\n", num(k$statistic), num(k$p.value), num(k$parameter)))
k <- kruskal.test(list(x4, y4, d3)); cat(sprintf("KW2 h=%s p=%s df=%s\n", num(k$statistic), num(k$p.value), num(k$parameter)))
