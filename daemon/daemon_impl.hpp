#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control_command.hpp"
#include "control_socket.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/capture/wake_socket.hpp"
#include "fo/daemon/config.hpp"
#include "fo/daemon/events.hpp"
#include "fo/daemon/node.hpp"
#include "fo/daemon/status.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/takeover/carrier_watch.hpp"
#include "fo/takeover/check_executor.hpp"
#include "fo/takeover/hook_runner.hpp"
#include "fo/takeover/netlink_addresses.hpp"
#include "fo/takeover/notifier.hpp"
#include "fo/wire/keyring.hpp"
#include "metrics_file.hpp"
#include "peer_link.hpp"

// The daemon as a process, private to daemon/: captures, the event loop,
// netlink, signals, the status socket, systemd. Every decision is the Node's
// (node.cpp). By concern:
//   daemon.cpp          startup (the edges, the node, the timers), signals, reload;
//   daemon_links.cpp    captures, wake sockets, carrier, the beat and deadline timers;
//   daemon_reports.cpp  status, the control socket, events, metrics, mail outcomes.

namespace fo::daemon {

/// takeover::Scheduler on the event loop: one-shot timers.
class LoopScheduler final : public takeover::Scheduler {
  public:
    explicit LoopScheduler(runtime::EventLoop& loop) : loop_(loop) {}
    void after(std::int64_t delay_ns, std::function<void()> callback) override;

  private:
    runtime::EventLoop& loop_;
};

class Daemon {
  public:
    Daemon(Config config, std::optional<wire::Keyring> keyring, std::string config_path, bool summary_json)
        : config_(std::move(config)),
          keyring_(std::move(keyring)),
          config_path_(std::move(config_path)),
          summary_json_(summary_json),
          scheduler_(loop_) {}

    int run();

  private:
    struct CaptureHandler final : capture::PacketHandler {
        Daemon* daemon = nullptr;
        std::size_t link = 0;
        std::int64_t realtime_to_monotonic = 0;
        void on_packet(const capture::CapturedPacket& packet) override {
            daemon->node_->on_frame(link, packet.data, packet.timestamp_ns + realtime_to_monotonic);
        }
    };

    // daemon.cpp: startup, signals, reload.
    void setup();
    void remove_leftover_addresses();
    void shutdown();
    void reload();

    // daemon_links.cpp: captures, wake sockets, carrier, the beat and deadline timers.
    /// The senders, captures and wake sockets of every configured link.
    void open_links(const std::map<std::string, bool>& service_interfaces);
    void open_udp_ports();
    void start_link_timers();
    void drain_all();
    void drain(std::size_t link);
    void on_beat_tick();
    void housekeeping();
    void on_wake(std::size_t link);
    void after_input();
    void rearm_detector_timer();
    void on_detector_timer();
    void poll_carrier();
    void reopen_capture(std::size_t link, const std::string& why);
    void on_carrier_event(int interface_index, bool carrier);

    // daemon_reports.cpp: status, control socket, events, metrics, mail outcomes.
    void serve_status();
    nlohmann::json status();
    ProcessStatus process_status();
    void setup_events();
    /// At startup: a metrics.file that cannot be written is a startup error (throws).
    void write_first_metrics();
    void write_metrics();
    void publish_mail_outcomes();  // the mailer's outcomes as notification events
    std::string handle_command(ControlCommand command);

    std::int64_t now() const { return clock_.now_ns(); }

    Config config_;
    /// The senders and the intake point into it: a reload assigns in place.
    std::optional<wire::Keyring> keyring_;
    std::string config_path_;
    bool summary_json_;
    runtime::EventLoop loop_;
    runtime::MonotonicClock clock_;
    LoopScheduler scheduler_;
    std::vector<PeerLink> links_;
    std::vector<CaptureHandler> handlers_;
    std::vector<capture::LiveCaptureOptions> capture_options_;
    std::vector<bool> capture_failed_;
    std::vector<std::unique_ptr<capture::DiscardingUdpPort>> udp_ports_;
    std::int64_t next_housekeeping_ns_ = 0;
    std::unique_ptr<takeover::NetlinkAddressManager> addresses_;
    std::unique_ptr<takeover::CarrierWatch> carrier_watch_;
    std::unique_ptr<takeover::DirectoryHookRunner> hooks_;
    std::unique_ptr<takeover::MailNotifier> notifier_;
    std::map<std::string, std::unique_ptr<inject::LibnetArpSender>> arp_senders_;
    std::unique_ptr<takeover::LoopCheckExecutor> checks_;  // [[check]]: commands and TCP connects on the loop
    std::unique_ptr<EventBus> events_;                     // before node_, which publishes into it
    std::map<std::string, std::unique_ptr<inject::NdpSender>> ndp_senders_;  // interfaces with IPv6 service addresses
    std::unique_ptr<Node> node_;
    runtime::EventLoop::TimerId detector_timer_ = -1;
    std::unique_ptr<ControlSocket> control_;
    std::uint64_t reloads_handled_ = 0;
    std::uint64_t reloads_refused_ = 0;
    // Metrics (docs/design.md, "Events and metrics").
    std::optional<MetricsFile> metrics_file_;
    bool metrics_scheduled_ = false;
    bool metrics_failing_ = false;
    std::int64_t last_change_wall_ns_ = 0;
};

}  // namespace fo::daemon
