// The sample lode_gen_corpus expands when given no sample files: typical
// server logs (nginx access and error logs, JSON and logfmt application
// logs, Java with levels, syslog, Kubernetes components). Written for
// lode; not taken from any real system.
#pragma once

#include <string_view>

namespace lode::bench {

inline constexpr std::string_view kDefaultSample = R"sample(
192.168.1.23 - - [01/May/2024:08:15:02 +0000] "GET /api/v1/users/48213 HTTP/1.1" 200 1532 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
10.0.4.17 - - [01/May/2024:08:15:02 +0000] "POST /api/v1/orders HTTP/1.1" 201 348 "https://shop.example.com/cart" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
172.16.8.201 - alice [01/May/2024:08:15:03 +0000] "GET /static/js/app.3f9c2b1a.js HTTP/2.0" 304 0 "https://shop.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
10.0.4.18 - - [01/May/2024:08:15:04 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"
203.0.113.54 - - [01/May/2024:08:15:05 +0000] "GET /api/v1/products?page=3&limit=50&sort=price HTTP/1.1" 200 18234 "-" "curl/8.5.0"
198.51.100.7 - - [01/May/2024:08:15:05 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "python-requests/2.31.0"
10.0.4.17 - - [01/May/2024:08:15:06 +0000] "PUT /api/v1/users/48213/settings HTTP/1.1" 500 97 "-" "okhttp/4.12.0"
10.0.4.19 - - [01/May/2024:08:15:06 +0000] "GET /api/v1/search?q=wireless+headphones HTTP/1.1" 200 40213 "https://shop.example.com/" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
2024/05/01 08:15:07 [error] 2817#2817: *93412 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.4.17, server: api.example.com, request: "GET /api/v1/reports/9921 HTTP/1.1", upstream: "http://10.0.7.12:8080/api/v1/reports/9921", host: "api.example.com"
2024/05/01 08:15:08 [warn] 2817#2817: *93420 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/4/21/0000012214 while reading upstream, client: 10.0.4.21, server: api.example.com
{"ts":"2024-05-01T08:15:02.483Z","level":"INFO","service":"checkout","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","msg":"order placed","order_id":884213,"amount_cents":12999,"items":3}
{"ts":"2024-05-01T08:15:02.511Z","level":"WARN","service":"payments","trace_id":"7c1e4a92d3b845f09a6e2b1c8d7f3e50","msg":"card declined, retrying","attempt":2,"gateway":"stripe","latency_ms":412}
{"ts":"2024-05-01T08:15:02.530Z","level":"ERROR","service":"inventory","trace_id":"a3b2c1d0e9f84756b4a39281c7d6e5f4","msg":"failed to reserve stock","sku":"SKU-20931","warehouse":"fra-2","error":"deadline exceeded after 5000ms"}
{"ts":"2024-05-01T08:15:02.544Z","level":"INFO","service":"checkout","trace_id":"9f8e7d6c5b4a49382716a5b4c3d2e1f0","msg":"payment authorized","order_id":884214,"provider":"adyen","latency_ms":231}
{"time":"2024-05-01T08:15:03.004Z","level":"info","logger":"http","method":"GET","path":"/api/v1/cart","status":200,"duration_ms":12.7,"remote":"10.0.4.17:51234","user_agent":"okhttp/4.12.0"}
{"level":"debug","ts":1714551303.118,"caller":"raft/node.go:412","msg":"sent heartbeat","peer":"e1c9a2f0b3d4","term":17,"index":1048213}
{"@timestamp":"2024-05-01T08:15:03.200+00:00","log.level":"INFO","message":"User 55120 logged in","user.id":55120,"source.ip":"203.0.113.54","session":"3c9d1f27-8a4b-4e6f-9b2a-71d0c5e8f412"}
2024-05-01 08:15:02,483 INFO  [http-nio-8080-exec-7] c.e.shop.web.OrderController - Created order 884213 for customer 55120 in 38 ms
2024-05-01 08:15:02,497 DEBUG [http-nio-8080-exec-3] o.h.SQL - select u1_0.id,u1_0.email,u1_0.created_at from users u1_0 where u1_0.id=?
2024-05-01 08:15:02,512 WARN  [pool-3-thread-1] c.e.shop.cache.RedisCache - Cache miss ratio 0.42 above threshold 0.30 for region products
2024-05-01 08:15:02,530 ERROR [kafka-consumer-2] c.e.shop.events.OrderListener - Failed to process record offset=1928374 partition=4: java.lang.IllegalStateException: order 884199 already shipped
2024-05-01 08:15:03,001 INFO  [main] o.s.b.w.e.tomcat.TomcatWebServer - Tomcat started on port(s): 8080 (http) with context path ''
2024-05-01 08:15:03,120 INFO  [scheduling-1] c.e.shop.jobs.CleanupJob - Removed 1287 expired sessions in 214 ms
2024-05-01 08:15:03,245 INFO  [http-nio-8080-exec-2] c.e.shop.web.ProductController - GET /products/20931 served from cache
2024-05-01 08:15:03,377 WARN  [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=1m2s)
May  1 08:15:02 web-03 sshd[28811]: Accepted publickey for deploy from 10.0.9.4 port 52234 ssh2: ED25519 SHA256:Xk2mP9qLr4TvW8zN1bY6cF3hJ7dS5aG0eU
May  1 08:15:02 web-03 sshd[28811]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)
May  1 08:15:03 web-03 CRON[28830]: (root) CMD (/usr/local/bin/backup.sh >/dev/null 2>&1)
May  1 08:15:04 web-03 kernel: [1234567.891011] TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.
May  1 08:15:05 db-01 systemd[1]: Started Session 4821 of user postgres.
May  1 08:15:06 db-01 postgres[4410]: [5-1] LOG:  checkpoint complete: wrote 1843 buffers (11.2%); 0 WAL file(s) added, 0 removed, 1 recycled; write=183.912 s
May  1 08:15:07 web-03 sshd[28840]: Failed password for invalid user admin from 45.148.10.22 port 40122 ssh2
May  1 08:15:08 lb-01 haproxy[1822]: 10.0.4.17:51234 [01/May/2024:08:15:08.112] https~ api/web-03 0/0/1/23/24 200 1532 - - ---- 412/398/12/4/0 0/0 "GET /api/v1/users/48213 HTTP/1.1"
ts=2024-05-01T08:15:02.483Z level=info caller=main.go:142 msg="request completed" method=GET path=/metrics status=200 duration=1.8ms
time="2024-05-01T08:15:03Z" level=warning msg="retrying request" url="http://10.0.7.12:9090/api/v1/query" attempt=3 err="connection refused"
ts=2024-05-01T08:15:04.019Z level=error component=compactor msg="compaction failed" block=01HX3Q8Z4K7M2N5P6R8S9T0V1W err="write /data/chunks/000123: no space left on device"
I0501 08:15:02.483921       1 controller.go:116] "Reconciling" deployment="default/web" generation=42
E0501 08:15:03.110022       1 reflector.go:147] failed to list *v1.Pod: Get "https://10.96.0.1:443/api/v1/pods?limit=500": dial tcp 10.96.0.1:443: i/o timeout
W0501 08:15:03.552310       1 warnings.go:70] autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+, unavailable in v1.26+
2024-05-01T08:15:05.102Z INFO  worker-3 job=send-email id=8f14e45f-ceea-467f-a0e6-d2c9b0a1f3e7 attempt=1 took=84ms
2024-05-01T08:15:05.230Z ERROR worker-1 job=resize-image id=c9f0f895-fb98-4b91-a3f2-81e4d7b6c5a0 err="image too large: 24311808 bytes"
)sample";

}  // namespace lode::bench
