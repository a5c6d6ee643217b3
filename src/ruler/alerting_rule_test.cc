// Tests of AlertingRule and RecordSeries (alerting_rule.h): Prometheus'
// alert state machine (rules/alerting.go) as the ruler drives it, one
// Update per evaluation, and the samples a recording rule produces.
#include "ruler/alerting_rule.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "model/query_result.h"
#include "ruler/rule_file.h"

namespace lode {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
// An evaluation time of today's order (2023-11-14T22:13:20Z).
constexpr int64_t kT0 = 1'700'000'000 * kSecond;

MetricSeries Series(Labels labels, double value) {
  MetricSeries s;
  s.labels = std::move(labels);
  s.samples.push_back(MetricSample{0, value});
  return s;
}

RuleDefinition AlertRule(int64_t for_ns = 0, int64_t keep_firing_for_ns = 0) {
  RuleDefinition def;
  def.kind = RuleDefinition::Kind::kAlert;
  def.name = "HighErrors";
  def.expr = R"(sum by (instance) (rate({app="api"} |= "error" [5m])) > 1)";
  def.for_ns = for_ns;
  def.keep_firing_for_ns = keep_firing_for_ns;
  return def;
}

// The sample of the series named `name`, or null.
const RecordedSample* Find(const std::vector<RecordedSample>& samples, std::string_view name) {
  for (const RecordedSample& s : samples) {
    if (s.labels.Get("__name__") == name) return &s;
  }
  return nullptr;
}

class AlertingRuleTest : public ::testing::Test {
 protected:
  // The rule's only alert (a failure when it has not exactly one).
  static const Alert& OnlyAlert(const AlertingRule& rule) {
    EXPECT_EQ(rule.alerts().size(), 1u);
    static const Alert kNone;
    return rule.alerts().empty() ? kNone : rule.alerts().begin()->second;
  }

  const Labels instance_a_{{"__name__", "errors"}, {"instance", "a"}};
  const Labels instance_b_{{"__name__", "errors"}, {"instance", "b"}};
  AlertContext context_{Labels{{"cluster", "eu-1"}}, "http://lode.example:3100/lode"};
};

// ---- Pending, firing, resolved ------------------------------------------------

TEST_F(AlertingRuleTest, AnAlertWithoutForFiresOnItsFirstEvaluation) {
  AlertingRule rule(AlertRule(), &context_);
  auto samples = rule.Update(kT0, {Series(instance_a_, 3)}, 0);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.state, AlertState::kFiring);
  EXPECT_EQ(alert.active_at_ns, kT0);
  EXPECT_EQ(alert.fired_at_ns, kT0);
  EXPECT_EQ(alert.value, 3);
  EXPECT_EQ(rule.State(), AlertState::kFiring);

  ASSERT_EQ(samples->size(), 2u);
  const RecordedSample* alerts = Find(*samples, "ALERTS");
  ASSERT_NE(alerts, nullptr);
  EXPECT_EQ(alerts->labels, (Labels{{"__name__", "ALERTS"},
                                    {"alertname", "HighErrors"},
                                    {"alertstate", "firing"},
                                    {"instance", "a"}}));
  EXPECT_EQ(alerts->t_ns, kT0);
  EXPECT_EQ(alerts->value, 1);
  const RecordedSample* for_state = Find(*samples, "ALERTS_FOR_STATE");
  ASSERT_NE(for_state, nullptr);
  EXPECT_EQ(
      for_state->labels,
      (Labels{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "HighErrors"}, {"instance", "a"}}));
  EXPECT_EQ(for_state->t_ns, kT0);
  EXPECT_EQ(for_state->value, 1'700'000'000.0);
}

TEST_F(AlertingRuleTest, APendingAlertFiresOnceActiveForItsForDuration) {
  AlertingRule rule(AlertRule(5 * kMinute), &context_);

  auto samples = rule.Update(kT0, {Series(instance_a_, 3)}, 0);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kPending);
  EXPECT_EQ(rule.State(), AlertState::kPending);
  ASSERT_NE(Find(*samples, "ALERTS"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS")->labels.Get("alertstate"), "pending");
  ASSERT_NE(Find(*samples, "ALERTS_FOR_STATE"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS_FOR_STATE")->value, 1'700'000'000.0);

  samples = rule.Update(kT0 + 4 * kMinute, {Series(instance_a_, 3)}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kPending);
  EXPECT_EQ(OnlyAlert(rule).fired_at_ns, 0);

  samples = rule.Update(kT0 + 5 * kMinute, {Series(instance_a_, 3)}, 0);
  ASSERT_TRUE(samples.ok());
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.state, AlertState::kFiring);
  EXPECT_EQ(alert.active_at_ns, kT0);
  EXPECT_EQ(alert.fired_at_ns, kT0 + 5 * kMinute);
  EXPECT_EQ(rule.State(), AlertState::kFiring);
  ASSERT_NE(Find(*samples, "ALERTS"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS")->labels.Get("alertstate"), "firing");
  EXPECT_EQ(Find(*samples, "ALERTS")->t_ns, kT0 + 5 * kMinute);
  // ALERTS_FOR_STATE keeps saying when the alert became active.
  ASSERT_NE(Find(*samples, "ALERTS_FOR_STATE"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS_FOR_STATE")->value, 1'700'000'000.0);
}

TEST_F(AlertingRuleTest, AnAlertKeepsItsStartButTakesTheLatestValueAndAnnotations) {
  RuleDefinition def = AlertRule(5 * kMinute);
  def.annotations = {{"summary", "v={{ $value }}"}};
  AlertingRule rule(std::move(def), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 1)}, 0).ok());
  ASSERT_TRUE(rule.Update(kT0 + kMinute, {Series(instance_a_, 2)}, 0).ok());
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.state, AlertState::kPending);
  EXPECT_EQ(alert.active_at_ns, kT0);
  EXPECT_EQ(alert.value, 2);
  EXPECT_EQ(alert.annotations.Get("summary"), "v=2");
  ASSERT_TRUE(rule.Update(kT0 + 5 * kMinute, {Series(instance_a_, 3)}, 0).ok());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kFiring);
  EXPECT_EQ(OnlyAlert(rule).annotations.Get("summary"), "v=3");
}

TEST_F(AlertingRuleTest, APendingAlertWhoseSeriesIsGoneIsDropped) {
  AlertingRule rule(AlertRule(5 * kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  auto samples = rule.Update(kT0 + kMinute, {}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_TRUE(samples->empty());
  EXPECT_TRUE(rule.alerts().empty());
  EXPECT_EQ(rule.State(), AlertState::kInactive);
}

TEST_F(AlertingRuleTest, AFiringAlertWhoseSeriesIsGoneResolvesAndIsKeptFifteenMinutes) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3), Series(instance_b_, 4)}, 0).ok());
  const int64_t resolved = kT0 + kMinute;
  auto samples = rule.Update(resolved, {Series(instance_b_, 4)}, 0);
  ASSERT_TRUE(samples.ok());
  // Only the firing alert of b has ALERTS samples.
  ASSERT_EQ(samples->size(), 2u);
  for (const RecordedSample& s : *samples) EXPECT_EQ(s.labels.Get("instance"), "b");
  ASSERT_EQ(rule.alerts().size(), 2u);
  const Alert& a = rule.alerts().at(Labels{{"alertname", "HighErrors"}, {"instance", "a"}});
  EXPECT_EQ(a.state, AlertState::kInactive);
  EXPECT_EQ(a.resolved_at_ns, resolved);
  EXPECT_EQ(a.active_at_ns, kT0);

  // Fifteen minutes after the resolution it is still kept; later, dropped.
  ASSERT_TRUE(rule.Update(resolved + 15 * kMinute, {Series(instance_b_, 4)}, 0).ok());
  EXPECT_EQ(rule.alerts().size(), 2u);
  ASSERT_TRUE(rule.Update(resolved + 16 * kMinute, {Series(instance_b_, 4)}, 0).ok());
  ASSERT_EQ(rule.alerts().size(), 1u);
  EXPECT_EQ(rule.alerts().begin()->second.labels.Get("instance"), "b");
}

TEST_F(AlertingRuleTest, ARuleWhoseOnlyAlertResolvedIsInactive) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  auto samples = rule.Update(kT0 + kMinute, {}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_TRUE(samples->empty());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kInactive);
  EXPECT_EQ(rule.State(), AlertState::kInactive);
}

TEST_F(AlertingRuleTest, AResolvedAlertThatComesBackStartsPendingAgain) {
  AlertingRule rule(AlertRule(kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  ASSERT_TRUE(rule.Update(kT0 + kMinute, {Series(instance_a_, 3)}, 0).ok());
  ASSERT_EQ(OnlyAlert(rule).state, AlertState::kFiring);
  ASSERT_TRUE(rule.Update(kT0 + 2 * kMinute, {}, 0).ok());
  ASSERT_EQ(OnlyAlert(rule).state, AlertState::kInactive);

  ASSERT_TRUE(rule.Update(kT0 + 3 * kMinute, {Series(instance_a_, 3)}, 0).ok());
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.state, AlertState::kPending);
  EXPECT_EQ(alert.active_at_ns, kT0 + 3 * kMinute);
  EXPECT_EQ(alert.resolved_at_ns, 0);
  EXPECT_EQ(alert.fired_at_ns, 0);
}

TEST_F(AlertingRuleTest, SeriesWithoutSamplesMakeNoAlert) {
  AlertingRule rule(AlertRule(), &context_);
  MetricSeries empty;
  empty.labels = instance_a_;
  auto samples = rule.Update(kT0, {empty}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_TRUE(samples->empty());
  EXPECT_TRUE(rule.alerts().empty());
}

// ---- keep_firing_for ------------------------------------------------------------

TEST_F(AlertingRuleTest, KeepFiringForHoldsAFiringAlertAfterItsSeriesIsGone) {
  AlertingRule rule(AlertRule(0, 10 * kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());

  auto samples = rule.Update(kT0 + kMinute, {}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kFiring);
  EXPECT_EQ(OnlyAlert(rule).keep_firing_since_ns, kT0 + kMinute);
  ASSERT_NE(Find(*samples, "ALERTS"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS")->labels.Get("alertstate"), "firing");

  ASSERT_TRUE(rule.Update(kT0 + 10 * kMinute, {}, 0).ok());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kFiring);
  EXPECT_EQ(OnlyAlert(rule).resolved_at_ns, 0);

  // keep_firing_for after the series went, it resolves.
  samples = rule.Update(kT0 + 11 * kMinute, {}, 0);
  ASSERT_TRUE(samples.ok());
  EXPECT_TRUE(samples->empty());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kInactive);
  EXPECT_EQ(OnlyAlert(rule).resolved_at_ns, kT0 + 11 * kMinute);
}

TEST_F(AlertingRuleTest, KeepFiringForCountsAgainFromTheSeriesNextAbsence) {
  AlertingRule rule(AlertRule(0, 10 * kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  ASSERT_TRUE(rule.Update(kT0 + kMinute, {}, 0).ok());
  ASSERT_TRUE(rule.Update(kT0 + 2 * kMinute, {Series(instance_a_, 3)}, 0).ok());
  EXPECT_EQ(OnlyAlert(rule).keep_firing_since_ns, 0);
  ASSERT_TRUE(rule.Update(kT0 + 3 * kMinute, {}, 0).ok());
  // Eleven minutes after the first absence, nine after the second.
  ASSERT_TRUE(rule.Update(kT0 + 12 * kMinute, {}, 0).ok());
  EXPECT_EQ(OnlyAlert(rule).state, AlertState::kFiring);
  EXPECT_EQ(OnlyAlert(rule).keep_firing_since_ns, kT0 + 3 * kMinute);
  EXPECT_EQ(OnlyAlert(rule).active_at_ns, kT0);
}

TEST_F(AlertingRuleTest, KeepFiringForDoesNotHoldAPendingAlert) {
  AlertingRule rule(AlertRule(5 * kMinute, 10 * kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  ASSERT_TRUE(rule.Update(kT0 + kMinute, {}, 0).ok());
  EXPECT_TRUE(rule.alerts().empty());
}

// ---- Labels and annotations --------------------------------------------------------

TEST_F(AlertingRuleTest, AlertLabelsAreTheSeriesLabelsWithoutTheNameAndWithTheRuleLabels) {
  RuleDefinition def = AlertRule();
  def.labels = {{"severity", "page"}, {"team", "{{ $labels.instance }}-team"}};
  AlertingRule rule(std::move(def), &context_);
  const Labels series{{"__name__", "errors"},
                      {"instance", "a"},
                      {"severity", "low"},
                      {"alertname", "FromTheSeries"}};
  auto samples = rule.Update(kT0, {Series(series, 3)}, 0);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(OnlyAlert(rule).labels, (Labels{{"alertname", "HighErrors"},
                                            {"instance", "a"},
                                            {"severity", "page"},
                                            {"team", "a-team"}}));
  ASSERT_NE(Find(*samples, "ALERTS"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS")->labels, (Labels{{"__name__", "ALERTS"},
                                                      {"alertname", "HighErrors"},
                                                      {"alertstate", "firing"},
                                                      {"instance", "a"},
                                                      {"severity", "page"},
                                                      {"team", "a-team"}}));
}

TEST_F(AlertingRuleTest, AnnotationsSeeTheLabelsTheValueAndTheExternalContext) {
  RuleDefinition def = AlertRule();
  def.annotations = {{"summary", "{{ $labels.instance }} fails {{ humanize $value }}/s"},
                     {"where", "{{ $externalLabels.cluster }} {{ $externalURL }}"},
                     {"value", "{{ .Value }} {{ .Labels.__name__ }}"}};
  AlertingRule rule(std::move(def), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 1234)}, 0).ok());
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.annotations, (Labels{{"summary", "a fails 1.234k/s"},
                                       {"value", "1234 errors"},
                                       {"where", "eu-1 http://lode.example:3100/lode"}}));
}

TEST_F(AlertingRuleTest, AnExpansionErrorBecomesTheTextOfTheLabelOrAnnotation) {
  RuleDefinition def = AlertRule();
  def.labels = {{"bad", "{{ humanize $labels.instance }}"}};
  def.annotations = {{"summary", "{{ humanize $labels.instance }}"}};
  AlertingRule rule(std::move(def), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  const Alert& alert = OnlyAlert(rule);
  for (std::string_view text : {alert.labels.Get("bad"), alert.annotations.Get("summary")}) {
    EXPECT_TRUE(text.starts_with("<error expanding template: ")) << text;
    EXPECT_NE(text.find("strconv.ParseFloat: parsing \"a\": invalid syntax"), std::string::npos)
        << text;
    EXPECT_TRUE(text.ends_with(">")) << text;
  }
}

// ---- Errors -----------------------------------------------------------------------

TEST_F(AlertingRuleTest, MoreActiveAlertsThanTheLimitIsAnErrorThatClearsThem) {
  AlertingRule rule(AlertRule(), &context_);
  auto samples = rule.Update(kT0, {Series(instance_a_, 3), Series(instance_b_, 4)}, 1);
  ASSERT_FALSE(samples.ok());
  EXPECT_EQ(samples.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(samples.status().message(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule.alerts().empty());

  samples = rule.Update(kT0 + kMinute, {Series(instance_a_, 3), Series(instance_b_, 4)}, 2);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(rule.alerts().size(), 2u);
}

TEST_F(AlertingRuleTest, ResolvedAlertsDoNotCountTowardsTheLimit) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3), Series(instance_b_, 4)}, 2).ok());
  auto samples = rule.Update(kT0 + kMinute, {Series(instance_b_, 4)}, 1);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(rule.alerts().size(), 2u);
}

TEST_F(AlertingRuleTest, SeriesEqualOnceTheRuleLabelsAreAppliedAreAnError) {
  RuleDefinition def = AlertRule();
  def.labels = {{"instance", "fixed"}};
  AlertingRule rule(std::move(def), &context_);
  auto samples = rule.Update(kT0, {Series(instance_a_, 3), Series(instance_b_, 4)}, 0);
  ASSERT_FALSE(samples.ok());
  EXPECT_EQ(samples.status().message(),
            "vector contains metrics with the same labelset after applying alert labels");

  // The metric name is dropped too: series differing only by it collide.
  AlertingRule by_name(AlertRule(), &context_);
  samples = by_name.Update(kT0,
                           {Series(Labels{{"__name__", "x"}, {"job", "a"}}, 1),
                            Series(Labels{{"__name__", "y"}, {"job", "a"}}, 2)},
                           0);
  ASSERT_FALSE(samples.ok());
  EXPECT_EQ(samples.status().message(),
            "vector contains metrics with the same labelset after applying alert labels");
}

// ---- What is sent to Alertmanager ------------------------------------------------------

TEST_F(AlertingRuleTest, PendingAlertsAreNeverSent) {
  AlertingRule rule(AlertRule(5 * kMinute), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  EXPECT_TRUE(rule.TakeAlertsToSend(kT0, kMinute, kMinute).empty());
  ASSERT_TRUE(rule.Update(kT0 + 2 * kMinute, {Series(instance_a_, 3)}, 0).ok());
  EXPECT_TRUE(rule.TakeAlertsToSend(kT0 + 2 * kMinute, kMinute, kMinute).empty());
}

TEST_F(AlertingRuleTest, AFiringAlertIsSentAtOnceAndThenOnlyAfterEachResendDelay) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());

  std::vector<Alert> sent = rule.TakeAlertsToSend(kT0, kMinute, 30 * kSecond);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kFiring);
  EXPECT_EQ(sent[0].labels, (Labels{{"alertname", "HighErrors"}, {"instance", "a"}}));
  EXPECT_EQ(sent[0].last_sent_at_ns, kT0);
  EXPECT_EQ(sent[0].valid_until_ns, kT0 + 4 * kMinute);
  EXPECT_EQ(OnlyAlert(rule).last_sent_at_ns, kT0);

  EXPECT_TRUE(rule.TakeAlertsToSend(kT0 + 30 * kSecond, kMinute, 30 * kSecond).empty());
  // As Prometheus: sent again once the resend delay has passed, not at it.
  EXPECT_TRUE(rule.TakeAlertsToSend(kT0 + kMinute, kMinute, 30 * kSecond).empty());
  sent = rule.TakeAlertsToSend(kT0 + kMinute + kSecond, kMinute, 30 * kSecond);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].valid_until_ns, kT0 + kMinute + kSecond + 4 * kMinute);
}

TEST_F(AlertingRuleTest, ValidUntilAllowsForFourOfTheLongerOfResendDelayAndInterval) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  std::vector<Alert> sent = rule.TakeAlertsToSend(kT0, kMinute, 2 * kMinute);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].valid_until_ns, kT0 + 8 * kMinute);
}

TEST_F(AlertingRuleTest, AResolvedAlertIsSentAtResolutionThenEveryResendDelayUntilDropped) {
  AlertingRule rule(AlertRule(), &context_);
  ASSERT_TRUE(rule.Update(kT0, {Series(instance_a_, 3)}, 0).ok());
  ASSERT_EQ(rule.TakeAlertsToSend(kT0, kMinute, kMinute).size(), 1u);

  // Resolved before the resend delay has passed: sent at once all the same.
  const int64_t resolved = kT0 + 30 * kSecond;
  ASSERT_TRUE(rule.Update(resolved, {}, 0).ok());
  std::vector<Alert> sent = rule.TakeAlertsToSend(resolved, kMinute, kMinute);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kInactive);
  EXPECT_EQ(sent[0].resolved_at_ns, resolved);
  EXPECT_EQ(sent[0].active_at_ns, kT0);

  EXPECT_TRUE(rule.TakeAlertsToSend(kT0 + kMinute, kMinute, kMinute).empty());
  sent = rule.TakeAlertsToSend(resolved + kMinute + kSecond, kMinute, kMinute);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kInactive);

  // Once dropped (over 15 minutes after the resolution), never again.
  ASSERT_TRUE(rule.Update(resolved + 16 * kMinute, {}, 0).ok());
  EXPECT_TRUE(rule.alerts().empty());
  EXPECT_TRUE(rule.TakeAlertsToSend(resolved + 16 * kMinute, kMinute, kMinute).empty());
}

// ---- Restore, state names ------------------------------------------------------

TEST_F(AlertingRuleTest, RestoredAlertsKeepWhenTheyBecameActive) {
  AlertingRule rule(AlertRule(5 * kMinute), &context_);
  Alert saved;
  saved.labels = Labels{{"alertname", "HighErrors"}, {"instance", "a"}};
  saved.state = AlertState::kFiring;
  saved.active_at_ns = kT0 - 10 * kMinute;
  saved.fired_at_ns = kT0 - 5 * kMinute;
  rule.Restore({saved});
  EXPECT_EQ(rule.State(), AlertState::kFiring);

  auto samples = rule.Update(kT0, {Series(instance_a_, 3)}, 0);
  ASSERT_TRUE(samples.ok());
  const Alert& alert = OnlyAlert(rule);
  EXPECT_EQ(alert.state, AlertState::kFiring);
  EXPECT_EQ(alert.active_at_ns, kT0 - 10 * kMinute);
  EXPECT_EQ(alert.fired_at_ns, kT0 - 5 * kMinute);
  EXPECT_EQ(alert.value, 3);
  ASSERT_NE(Find(*samples, "ALERTS_FOR_STATE"), nullptr);
  EXPECT_EQ(Find(*samples, "ALERTS_FOR_STATE")->value, 1'700'000'000.0 - 600);
}

TEST(AlertStateNameTest, NamesEachStateAsPrometheusDoes) {
  EXPECT_STREQ(AlertStateName(AlertState::kInactive), "inactive");
  EXPECT_STREQ(AlertStateName(AlertState::kPending), "pending");
  EXPECT_STREQ(AlertStateName(AlertState::kFiring), "firing");
}

// ---- Recording rules ---------------------------------------------------------------

RuleDefinition RecordRule(std::vector<std::pair<std::string, std::string>> labels = {}) {
  RuleDefinition def;
  def.kind = RuleDefinition::Kind::kRecord;
  def.name = "app:errors:rate5m";
  def.expr = R"(sum by (app) (rate({app=~".+"} |= "error" [5m])))";
  def.labels = std::move(labels);
  return def;
}

TEST(RecordSeriesTest, RenamesEachSeriesAndSetsTheRuleLabels) {
  MetricSeries series;
  series.labels = Labels{{"__name__", "old"}, {"app", "api"}, {"env", "prod"}};
  series.samples = {MetricSample{kT0 - kMinute, 1}, MetricSample{kT0, 5}};
  auto out =
      RecordSeries(RecordRule({{"source", "lode"}, {"env", "all"}}), kT0 + kSecond, {series}, 0);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(
      (*out)[0].labels,
      (Labels{
          {"__name__", "app:errors:rate5m"}, {"app", "api"}, {"env", "all"}, {"source", "lode"}}));
  EXPECT_EQ((*out)[0].t_ns, kT0 + kSecond);
  EXPECT_EQ((*out)[0].value, 5);  // the series' last sample
}

TEST(RecordSeriesTest, SkipsSeriesWithoutSamples) {
  MetricSeries empty;
  empty.labels = Labels{{"app", "api"}};
  auto out = RecordSeries(RecordRule(), kT0, {empty, Series(Labels{{"app", "web"}}, 2)}, 0);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].labels.Get("app"), "web");
}

TEST(RecordSeriesTest, SeriesEqualOnceTheRuleLabelsAreAppliedAreAnError) {
  auto out =
      RecordSeries(RecordRule({{"app", "same"}}), kT0,
                   {Series(Labels{{"app", "api"}}, 1), Series(Labels{{"app", "web"}}, 2)}, 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "vector contains metrics with the same labelset after applying rule labels");
}

TEST(RecordSeriesTest, MoreSeriesThanTheLimitIsAnError) {
  const std::vector<MetricSeries> result = {Series(Labels{{"app", "a"}}, 1),
                                            Series(Labels{{"app", "b"}}, 2),
                                            Series(Labels{{"app", "c"}}, 3)};
  auto out = RecordSeries(RecordRule(), kT0, result, 2);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "exceeded limit of 2 with 3 series");
  out = RecordSeries(RecordRule(), kT0, result, 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), 3u);
}

}  // namespace
}  // namespace lode
