package timeline
import ("testing";"os";"github.com/tourniquet/tourniquet/storage/storagetest")
func TestDbgReports(t *testing.T) {
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())
	r := f.get("/reports", bearerHdr(testToken)...)
	os.WriteFile("/tmp/reports.html", []byte(r.body), 0644)
	r = f.get("/incidents/"+f.keys["microscope"], bearerHdr(testToken)...)
	os.WriteFile("/tmp/incident.html", []byte(r.body), 0644)
	r = f.get("/incidents", bearerHdr(testToken)...)
	os.WriteFile("/tmp/list.html", []byte(r.body), 0644)
}
